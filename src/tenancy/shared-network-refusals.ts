/**
 * The refusals of extra DNS names and fixed addresses on a network other tenants use too.
 */
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type TenancyVerdict } from './hook.js';

/**
 * Extra DNS names (aliases, links) on a network others use too (shared, unowned, predefined):
 * dockerd's DNS answers a name with every endpoint that has it, so an alias equal to another
 * tenant's container name (or short ID) would take a share of that tenant's traffic.
 */
export function sharedNetworkNames(ctx: TenancyContext, network: string): TenancyVerdict {
  return deny(403, 'network-alias', tenancyMessage(ctx, `aliases and links on network "${network}" are not allowed: other tenants use it, and an alias can take another container's name`));
}

/**
 * A fixed MAC or IP address (endpoint-addresses.ts, `where` names it) on a network others use
 * too (shared, unowned, predefined): a network is one L2 segment, and an address equal to
 * another tenant's container's takes its traffic, or keeps it from starting.
 */
export function sharedNetworkAddress(ctx: TenancyContext, network: string, where: string): TenancyVerdict {
  return deny(403, 'network-address', tenancyMessage(ctx, `a fixed MAC or IP address (${where}) on network "${network}" is not allowed: other tenants use it, and an address can take another container's; fixed addresses are allowed on your own or your team's networks`));
}
