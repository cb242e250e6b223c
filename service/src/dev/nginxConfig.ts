/**
 * A main nginx config around a rendered site (deploy/nginx) whose paths all live in one temporary prefix:
 * nginx in the foreground, one worker, for the tests and the bench. Pure: returns the file's text.
 */
export function nginxMainConfig(options: { prefix: string; site: string; workerConnections: number; errorLogLevel?: string }): string {
  const { prefix, workerConnections } = options;
  return [
    process.getuid?.() === 0 ? "user root;" : "",
    "worker_processes 1;",
    `worker_rlimit_nofile ${workerConnections * 2};`,
    "daemon off;",
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/logs/error.log ${options.errorLogLevel ?? "warn"};`,
    `events { worker_connections ${workerConnections}; }`,
    "http {",
    `  access_log ${prefix}/logs/access.log;`,
    `  client_body_temp_path ${prefix}/temp/body;`,
    `  proxy_temp_path ${prefix}/temp/proxy;`,
    `  fastcgi_temp_path ${prefix}/temp/fastcgi;`,
    `  uwsgi_temp_path ${prefix}/temp/uwsgi;`,
    `  scgi_temp_path ${prefix}/temp/scgi;`,
    options.site,
    "}",
  ].join("\n");
}
