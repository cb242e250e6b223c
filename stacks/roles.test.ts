/** Role assignment names: RFC 9562's UUIDv5, and names that depend only on what is granted. */
import { roleAssignmentName, uuidV5 } from "./roles";

test("UUIDv5 matches RFC 9562's example (DNS namespace, www.example.com)", () => {
  // RFC 9562, Appendix A.4.
  expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  expect(() => uuidV5("x", "not-a-uuid")).toThrow(/not a UUID/);
});

test("an assignment's name is a function of scope, principal and role: stable, case-blind, distinct", () => {
  const scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1";
  const role = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";
  const name = roleAssignmentName(scope, "p-1", role);
  expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(roleAssignmentName(scope, "p-1", role)).toBe(name); // a re-run, or a run without state, names the same assignment
  expect(roleAssignmentName(scope.toUpperCase(), "P-1", role)).toBe(name); // ARM ids are case-insensitive
  expect(roleAssignmentName(scope, "p-2", role)).not.toBe(name);
  expect(roleAssignmentName(`${scope}x`, "p-1", role)).not.toBe(name);
  expect(roleAssignmentName(scope, "p-1", role.replace("4633", "7f95"))).not.toBe(name);
  // No ambiguity from concatenation: moving the separator changes the name.
  expect(roleAssignmentName("a|b", "c", "d")).not.toBe(roleAssignmentName("a", "b|c", "d"));
});
