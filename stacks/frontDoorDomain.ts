import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";
import * as dns from "@pulumi/azure-native/dns";
import * as authorization from "@pulumi/azure-native/authorization";
import { customDomainResourceName, relativeRecordNames, validationRecordName, type CustomDomainConfig } from "./customDomain";

/**
 * A custom domain on the Front Door profile (for example `voice.example.com`), with a certificate that
 * Front Door issues and renews itself, and, when the stack names an Azure DNS zone, the two DNS records
 * it needs:
 *   - TXT `_dnsauth.<subdomain>` with the domain's validation token: proves ownership ("The TXT record's
 *     name must be of the form `_dnsauth.{subdomain}`", learn.microsoft.com/azure/frontdoor/domain, read
 *     2026-12-03);
 *   - CNAME `<subdomain>` to the endpoint's host name: sends the traffic to Front Door (same page).
 * Without a zone, the records are created by hand where the domain's DNS is hosted: `npm run plan` prints
 * what to create, and the token is the `customDomainValidation` stack output after `pulumi up`.
 *
 * ARM values (Microsoft.Cdn/profiles/customDomains, `tlsSettings`): `certificateType: "ManagedCertificate"`
 * and `minimumTlsVersion: "TLS12"` as in Microsoft's quickstart template "Front Door Standard/Premium with
 * custom domain" (azure.microsoft.com/resources/templates/front-door-standard-premium-custom-domain, read
 * 2026-12-03) and in @pulumi/azure-native 3.28's AfdCertificateType / AfdMinimumTlsVersion enums, which are
 * generated from the same REST specification.
 */
export const MANAGED_CERTIFICATE = "ManagedCertificate";
export const MINIMUM_TLS_VERSION = "TLS12";

export interface FrontDoorDomainArgs extends CustomDomainConfig {
  resourceGroupName: pulumi.Input<string>;
  profileName: pulumi.Input<string>;
  /** The endpoint's host name (`*.azurefd.net`): the CNAME's target. */
  endpointHostName: pulumi.Input<string>;
}

export interface FrontDoorDomain {
  domain: cdn.AFDCustomDomain;
  /** What to create in DNS when the program does not (no zone): name, type, value. */
  validation: pulumi.Output<{ name: string; type: "TXT"; value: string; expires: string }>;
}

/** The domain and, with a zone, its records; children of `parent` (the route's component). */
export function createFrontDoorDomain(name: string, parent: pulumi.Resource, args: FrontDoorDomainArgs): FrontDoorDomain {
  const zone = args.dnsZone;
  const zoneId = zone
    ? pulumi.interpolate`/subscriptions/${zone.subscriptionId ?? authorization.getClientConfigOutput().subscriptionId}/resourceGroups/${zone.resourceGroup}/providers/Microsoft.Network/dnszones/${zone.name}`
    : undefined;
  const domain = new cdn.AFDCustomDomain(`${name}-domain`, {
    resourceGroupName: args.resourceGroupName,
    profileName: args.profileName,
    customDomainName: customDomainResourceName(args.hostName),
    hostName: args.hostName,
    tlsSettings: { certificateType: MANAGED_CERTIFICATE, minimumTlsVersion: MINIMUM_TLS_VERSION },
    ...(zoneId ? { azureDnsZone: { id: zoneId } } : {}),
  }, { parent });
  const token = domain.validationProperties.apply((v) => ({ value: v?.validationToken ?? "", expires: v?.expirationDate ?? "" }));
  if (zone) {
    const names = relativeRecordNames(args.hostName, zone.name);
    new dns.RecordSet(`${name}-txt`, {
      resourceGroupName: zone.resourceGroup,
      zoneName: zone.name,
      relativeRecordSetName: names.txt,
      recordType: "TXT",
      ttl: 3600,
      txtRecords: [{ value: [token.apply((t) => t.value)] }],
    }, { parent });
    new dns.RecordSet(`${name}-cname`, {
      resourceGroupName: zone.resourceGroup,
      zoneName: zone.name,
      relativeRecordSetName: names.cname,
      recordType: "CNAME",
      ttl: 3600,
      cnameRecord: { cname: args.endpointHostName },
    }, { parent });
  }
  return {
    domain,
    validation: token.apply((t) => ({ name: validationRecordName(args.hostName), type: "TXT" as const, value: t.value, expires: t.expires })),
  };
}

