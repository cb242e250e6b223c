import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";
import * as frontdoor from "@pulumi/azure-native/frontdoor";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import type { FrontDoorSku, WafSettings } from "./networkSizing";

/**
 * Values the Front Door WAF API accepts, from Microsoft.Network/FrontDoorWebApplicationFirewallPolicies
 * 2025-11-01 (the API azure-native 3.28's frontdoor.Policy uses; Azure/bicep-types-az
 * generated/frontdoor/microsoft.network/2025-11-01/types.md, read 2026-12-03): CustomRule.ruleType
 * 'MatchRule' | 'RateLimitRule'; action 'Block'; GroupByVariable 'SocketAddr' (the address that opened the
 * connection to Front Door); MatchCondition.matchVariable 'RequestHeader' | 'SocketAddr', operator 'Equal'
 * | 'GeoMatch' | 'IPMatch', transforms 'Lowercase'; PolicySettings.mode 'Prevention' | 'Detection'.
 * Managed rule sets: 'Microsoft_DefaultRuleSet' 2.1 and 'Microsoft_BotManagerRuleSet' 1.0, the types and
 * versions Microsoft lists for Front Door (Get-AzFrontDoorWafManagedRuleSetDefinition, learn.microsoft.com
 * powershell az.frontdoor; PSRule Azure.FrontDoorWAF.RuleGroups asks for DRS >= 2.0 and bot rules >= 1.0).
 */
export const WAF = {
  rateLimitRule: "RateLimitRule",
  matchRule: "MatchRule",
  block: "Block",
  clientAddress: "SocketAddr",
  header: "RequestHeader",
  equal: "Equal",
  geoMatch: "GeoMatch",
  ipMatch: "IPMatch",
  lowercase: "Lowercase",
  defaultRuleSet: { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1", ruleSetAction: "Block" },
  botRuleSet: { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.0" },
  /** cdn securityPolicies parameters type (the only value azure-native 3.28 types accept). */
  securityPolicyType: "WebApplicationFirewall",
} as const;

/** A WebSocket handshake carries `Upgrade: websocket` (RFC 6455 section 4.1); matched case-insensitively. */
export const UPGRADE_HEADER = { selector: "Upgrade", value: "websocket" } as const;

/**
 * The policy's custom rules, in order: blocked ranges, countries outside the allowed list, then the rate
 * limit on WebSocket upgrades per client address (threshold and window from the stack's waf settings).
 */
export function wafCustomRules(waf: WafSettings): azureInputs.frontdoor.CustomRuleArgs[] {
  const rules: azureInputs.frontdoor.CustomRuleArgs[] = [];
  if (waf.blockedIpRanges.length > 0) {
    rules.push({
      name: "BlockedRanges", priority: 10, ruleType: WAF.matchRule, action: WAF.block, enabledState: "Enabled",
      matchConditions: [{ matchVariable: WAF.clientAddress, operator: WAF.ipMatch, matchValue: waf.blockedIpRanges }],
    });
  }
  if (waf.allowedCountries.length > 0) {
    rules.push({
      name: "OutsideAllowedCountries", priority: 20, ruleType: WAF.matchRule, action: WAF.block, enabledState: "Enabled",
      matchConditions: [{ matchVariable: WAF.clientAddress, operator: WAF.geoMatch, negateCondition: true, matchValue: waf.allowedCountries }],
    });
  }
  rules.push({
    name: "UpgradeRateLimit", priority: 30, ruleType: WAF.rateLimitRule, action: WAF.block, enabledState: "Enabled",
    rateLimitThreshold: waf.upgradeRateLimit.threshold,
    rateLimitDurationInMinutes: waf.upgradeRateLimit.durationMinutes,
    groupBy: [{ variableName: WAF.clientAddress }],
    matchConditions: [{ matchVariable: WAF.header, selector: UPGRADE_HEADER.selector, operator: WAF.equal, matchValue: [UPGRADE_HEADER.value], transforms: [WAF.lowercase] }],
  });
  return rules;
}

/** Front Door WAF policy names are letters and digits (no hyphens), starting with a letter. */
export function wafPolicyName(base: string): string {
  const name = base.replace(/[^A-Za-z0-9]/g, "");
  return (/^[A-Za-z]/.test(name) ? name : `waf${name}`).slice(0, 128);
}

export interface EdgeFirewallArgs {
  resourceGroupName: pulumi.Input<string>;
  profileName: pulumi.Input<string>;
  policyName: string;
  sku: FrontDoorSku;
  settings: WafSettings;
  /** The Front Door endpoint (and any custom domains) the policy guards. */
  domainIds: pulumi.Input<string>[];
  /**
   * Another profile's WAF policy to attach instead of creating one: a stack with several profiles keeps
   * one set of rules (a WAF policy may be assigned to several Front Door profiles; its learned thresholds
   * are per profile: Microsoft's Front Door WAF HTTP DDoS ruleset page, "If a single WAF policy ... is assigned to multiple Azure Front Door profiles, traffic thresholds are computed separately for each profile", MicrosoftDocs/azure-docs, read 2026-12-03).
   */
  sharedPolicyId?: pulumi.Input<string>;
}

/**
 * The WAF policy (Microsoft.Network/FrontDoorWebApplicationFirewallPolicies, azure-native `frontdoor.Policy`,
 * location Global, the profile's SKU) and the security policy (`cdn.SecurityPolicy`) that associates it
 * with the endpoint's domains for every path. Front Door Standard/Premium attaches a WAF policy this way,
 * not on the route. Managed rule sets only on Premium. The WAF sees only the WebSocket handshake.
 */
export class EdgeFirewall extends pulumi.ComponentResource {
  /** Absent when the profile attaches another profile's policy. */
  readonly policy?: frontdoor.Policy;
  readonly policyId: pulumi.Output<string>;
  readonly securityPolicy: cdn.SecurityPolicy;

  constructor(name: string, args: EdgeFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:EdgeFirewall", name, {}, opts);
    if (args.settings.managedRuleSets && args.sku !== "Premium_AzureFrontDoor") throw new Error("EdgeFirewall: managed rule sets need Front Door Premium");
    this.policy = args.sharedPolicyId !== undefined ? undefined : new frontdoor.Policy(`${name}-policy`, {
      resourceGroupName: args.resourceGroupName,
      policyName: wafPolicyName(args.policyName),
      location: "Global",
      sku: { name: args.sku },
      policySettings: { enabledState: "Enabled", mode: args.settings.mode },
      customRules: { rules: wafCustomRules(args.settings) },
      ...(args.settings.managedRuleSets ? { managedRules: { managedRuleSets: [{ ...WAF.defaultRuleSet }, { ...WAF.botRuleSet }] } } : {}),
    }, { parent: this });
    this.policyId = this.policy ? this.policy.id : pulumi.output(args.sharedPolicyId!);
    this.securityPolicy = new cdn.SecurityPolicy(`${name}-association`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      securityPolicyName: "waf",
      parameters: {
        type: WAF.securityPolicyType,
        wafPolicy: { id: this.policyId },
        associations: [{ domains: args.domainIds.map((id) => ({ id })), patternsToMatch: ["/*"] }],
      },
    }, { parent: this });
    this.registerOutputs({ policyId: this.policyId });
  }
}
