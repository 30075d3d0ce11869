/**
 * Every stream the connector offers, in catalog order.
 *
 * @module
 */

import { calls } from "./calls.ts";
import { company } from "./company.ts";
import { contacts } from "./contacts.ts";
import { CONVERSATION_INTELLIGENCE } from "./conversation_intelligence.ts";
import type { StreamDefinition } from "./definition.ts";
import { numbers } from "./numbers.ts";
import { dialerCampaignNumbers, dialerCampaigns } from "./power_dialer.ts";
import { tags } from "./tags.ts";
import { teams } from "./teams.ts";
import { userAvailability } from "./user_availability.ts";
import { userNumbers } from "./user_numbers.ts";
import { users } from "./users.ts";
import { webhooks } from "./webhooks.ts";

export type { Incremental, Paging, StreamDefinition } from "./definition.ts";

/** Every stream, in name order as the catalog lists them. */
export const STREAMS: readonly StreamDefinition[] = [
  ...CONVERSATION_INTELLIGENCE,
  calls,
  company,
  contacts,
  dialerCampaignNumbers,
  dialerCampaigns,
  numbers,
  tags,
  teams,
  userAvailability,
  userNumbers,
  users,
  webhooks,
];

/** A sync mode of a configured stream. */
export type SyncMode = "full_refresh" | "incremental";

/**
 * The sync modes a stream supports.
 *
 * @param definition The stream.
 * @returns `full_refresh`, plus `incremental` where the stream has a cursor.
 */
export function supportedSyncModes(definition: StreamDefinition): SyncMode[] {
  return definition.incremental
    ? ["full_refresh", "incremental"]
    : ["full_refresh"];
}

/**
 * Looks a stream up by name.
 *
 * @param name A catalog stream name.
 * @returns The definition, or `undefined` for a name the connector does not offer.
 */
export function findStream(name: string): StreamDefinition | undefined {
  return STREAMS.find((stream) => stream.name === name);
}
