import { renderNginxSite } from "../../deploy/nginx/render";

describe("the nginx site", () => {
  const site = renderNginxSite({ listen: "127.0.0.1:8080", servers: ["a:3000", "b:3000", "c:3000"] });

  test("never marks an instance failed (marks on WebSocket upstreams outlive restarts)", () => {
    expect(site).toContain("server a:3000 max_fails=0;");
    expect(site).toContain("server c:3000 max_fails=0;");
    expect(site).not.toMatch(/fail_timeout=/);
  });

  test("an upgrade refused with 503 (draining) or not connected goes on to the next instance, at most once per instance", () => {
    const location = site.slice(site.indexOf("location / {"));
    expect(location).toMatch(/proxy_next_upstream error timeout http_502 http_503;/);
    expect(location).toContain("proxy_next_upstream_tries 3;");
    expect(location).not.toMatch(/http_429|http_403|non_idempotent/);
  });

  test("bad input is named", () => {
    expect(() => renderNginxSite({ listen: "80", servers: [] })).toThrow(/at least one proxy instance/);
    expect(() => renderNginxSite({ listen: "80", servers: ["nope"] })).toThrow(/"nope" is not host:port/);
    expect(site).not.toMatch(/\$\{[A-Z_]+\}/);
  });
});
