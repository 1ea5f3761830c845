/** Every store contract case, in the order they run on each store. */
import { accessCases } from "./access-cases.ts";
import { attemptCases } from "./attempt-cases.ts";
import { catalogCases } from "./catalog-cases.ts";
import { deliveryCases } from "./delivery-cases.ts";
import { deliveryReadCases } from "./delivery-read-cases.ts";
import { historyCases } from "./history-cases.ts";
import { ingestCases } from "./ingest-cases.ts";
import { messageCases } from "./message-cases.ts";
import { operationCases } from "./operation-cases.ts";
import type { StoreCase } from "./store-case.ts";

export const STORE_CASES: StoreCase[] = [
  ...catalogCases,
  ...messageCases,
  ...deliveryCases,
  ...deliveryReadCases,
  ...attemptCases,
  ...accessCases,
  ...ingestCases,
  ...operationCases,
  ...historyCases,
];
