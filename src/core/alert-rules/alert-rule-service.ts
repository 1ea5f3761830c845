import type {
  AlertRepository,
  ApplicationRepository,
  EndpointRepository,
  Page,
  PageRequest,
} from "../../store/store.ts";
import type { AlertRule } from "../alert-rule.ts";
import type { Clock } from "../clock.ts";
import { notFound } from "../errors.ts";
import { newId } from "../ids.ts";
import {
  DEFAULT_DEDUPE_SECONDS,
  paramsOf,
  ruleScope,
  type AlertRuleInput,
  type ScopePorts,
} from "./alert-rule-rules.ts";

/** What the alert rule service uses; wired by src/main/services.ts. */
export interface AlertRuleServicePorts extends ScopePorts {
  alerts: Pick<AlertRepository, "getRule" | "listRules" | "insertRule" | "updateRule" | "deleteRule">;
  applications: Pick<ApplicationRepository, "get">;
  endpoints: Pick<EndpointRepository, "get">;
  clock: Clock;
  /** Has the alert rules' evaluation read the rules again (observability/alert-rules/alert-engine.ts). */
  refresh(): Promise<void>;
}

/**
 * Alert rules (docs/operations.md, "Alert rules"): each write checks the rule (alert-rule-rules.ts)
 * and has the evaluation read the rules again, so a change applies at once in this process.
 */
export class AlertRuleService {
  constructor(private readonly ports: AlertRuleServicePorts) {}

  list(page: PageRequest): Promise<Page<AlertRule>> {
    return this.ports.alerts.listRules(page);
  }

  async get(id: string): Promise<AlertRule> {
    const rule = await this.ports.alerts.getRule(id);
    if (!rule) throw notFound("alert rule");
    return rule;
  }

  async create(input: AlertRuleInput): Promise<AlertRule> {
    const now = this.ports.clock.now();
    const rule: AlertRule = {
      id: newId("alert", now),
      ...(await this.settings(input)),
      createdAt: now,
      updatedAt: now,
    };
    await this.ports.alerts.insertRule(rule);
    await this.ports.refresh();
    return rule;
  }

  /** Replaces a rule's settings (PUT); what the input leaves out takes its default again. */
  async replace(id: string, input: AlertRuleInput): Promise<AlertRule> {
    const existing = await this.get(id);
    const rule: AlertRule = {
      ...existing,
      ...(await this.settings(input)),
      updatedAt: this.ports.clock.now(),
    };
    await this.ports.alerts.updateRule(rule);
    await this.ports.refresh();
    return rule;
  }

  /** A rule's settings from the input, checked, with the defaults for what it leaves out. */
  private async settings(input: AlertRuleInput): Promise<Omit<AlertRule, "id" | "createdAt" | "updatedAt">> {
    return {
      name: input.name,
      kind: input.kind,
      ...(await ruleScope(this.ports, input)),
      params: paramsOf(input),
      dedupeSeconds: input.dedupeSeconds ?? DEFAULT_DEDUPE_SECONDS,
      disabled: input.disabled ?? false,
    };
  }

  async delete(id: string): Promise<void> {
    const rule = await this.get(id);
    await this.ports.alerts.deleteRule(rule.id);
    await this.ports.refresh();
  }
}
