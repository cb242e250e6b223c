/**
 * A custom domain for the Front Door endpoint, as a stack configures it (`frontDoor.customDomain`), and the
 * pure rules around it: validated here once, used by frontDoorDomain.ts and by the plan's summary.
 *
 *   voice-platform:frontDoor:
 *     customDomain:
 *       hostName: voice.example.com        # a subdomain: the traffic arrives by CNAME
 *       certificate: managed               # Front Door issues and renews it (the only choice here)
 *       dnsZone:                           # optional: an Azure DNS zone the program writes the records in
 *         name: example.com
 *         resourceGroup: dns-rg
 *         subscriptionId: ...              # optional: default, the deploying subscription
 */
import { z } from "zod";

/** The DNS TXT record Front Door validates ownership with is named `_dnsauth.{subdomain}` (learn.microsoft.com/azure/frontdoor/domain, read 2026-12-03). */
export const VALIDATION_RECORD_PREFIX = "_dnsauth";

/** Lowercase DNS labels of 1-63 letters, digits and inner hyphens. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const CustomDomainSchema = z
  .object({
    hostName: z.string().regex(DNS_NAME, "must be a lowercase DNS name such as voice.example.com"),
    certificate: z.literal("managed", { error: "only \"managed\" is supported: Front Door issues and renews the certificate" }).default("managed"),
    dnsZone: z
      .object({
        name: z.string().regex(DNS_NAME, "must be a lowercase DNS zone name such as example.com"),
        resourceGroup: z.string().min(1),
        subscriptionId: z.uuid("must be a subscription id (a GUID)").optional(),
      })
      .optional(),
  })
  .superRefine((d, ctx) => {
    if (d.dnsZone && !d.hostName.endsWith(`.${d.dnsZone.name}`)) {
      ctx.addIssue({ code: "custom", path: ["dnsZone", "name"], message: `${d.hostName} is not a subdomain of the zone ${d.dnsZone.name}` });
    }
    if (!d.dnsZone && d.hostName.split(".").length < 3) {
      ctx.addIssue({ code: "custom", path: ["hostName"], message: "an apex domain needs an alias record, which this program does not create: use a subdomain such as voice.example.com" });
    }
    if (d.dnsZone && d.hostName === d.dnsZone.name) {
      ctx.addIssue({ code: "custom", path: ["hostName"], message: "an apex domain needs an alias record, which this program does not create: use a subdomain" });
    }
  });

export type CustomDomainConfig = z.infer<typeof CustomDomainSchema>;

/** Pure: the two records relative to the zone. The host must be a subdomain of the zone. */
export function relativeRecordNames(hostName: string, zoneName: string): { cname: string; txt: string } {
  if (!hostName.endsWith(`.${zoneName}`)) throw new Error(`custom domain ${hostName} is not a subdomain of the DNS zone ${zoneName}`);
  const sub = hostName.slice(0, -(zoneName.length + 1));
  return { cname: sub, txt: `${VALIDATION_RECORD_PREFIX}.${sub}` };
}

/** Pure: the validation record's fully qualified name, as any DNS service takes it. */
export function validationRecordName(hostName: string): string {
  return `${VALIDATION_RECORD_PREFIX}.${hostName}`;
}

/** The custom domain resource's name: letters, digits and hyphens (`voice.example.com` -> `voice-example-com`). */
export function customDomainResourceName(hostName: string): string {
  return hostName.replace(/[^a-z0-9-]/g, "-");
}

/** What the plan's summary says about a custom domain, from the registered inputs of the domain and its records. */
export function customDomainSummary(
  stack: string,
  domain: { hostName: string; tlsSettings?: { certificateType?: string; minimumTlsVersion?: string }; azureDnsZone?: { id?: string } } | undefined,
  records: Array<{ recordType: string; relativeRecordSetName: string; zoneName: string }>,
): string[] {
  if (!domain) return [];
  const head = `  custom domain ${domain.hostName}: ${domain.tlsSettings?.certificateType} (minimum ${domain.tlsSettings?.minimumTlsVersion})`;
  if (records.length > 0) {
    return [`${head}; the program writes ${records.map((r) => `${r.recordType} ${r.relativeRecordSetName}`).join(" and ")} in the Azure DNS zone ${records[0].zoneName}`];
  }
  return [
    `${head}; create these records where ${domain.hostName}'s DNS is hosted (the certificate is issued once the TXT record validates):`,
    `    TXT    ${validationRecordName(domain.hostName)}  value: the token in \`pulumi stack output customDomainValidation -s ${stack}\` after \`pulumi up\` (it expires: see its "expires")`,
    `    CNAME  ${domain.hostName}  to: \`pulumi stack output frontDoorHostName -s ${stack}\` (the endpoint's *.azurefd.net name)`,
  ];
}
