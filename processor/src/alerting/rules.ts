/**
 * Alert rules: the one schema shared by the console API (validation of input) and the engine (evaluation).
 * A rule belongs to a tenant, optionally narrows its devices by labels, and has one condition:
 * - threshold: a telemetry metric compared with a value, held for `forSeconds`, cleared beyond `hysteresis`;
 * - log_match: at least `count` logs at or above `minSeverity` and/or matching `pattern` within `windowSeconds`;
 * - no_data: a device (or one metric of it) silent for longer than `afterSeconds`.
 */
import { parseSeverity, ProtocolError, SEVERITY_NAMES } from '@iotlog/edge-sdk/protocol';
import { z } from 'zod';
import { RuleValidationError } from './errors.js';

const MAX_PATTERN_LENGTH = 200;
const MAX_DURATION_SECONDS = 30 * 24 * 3600;
export const OPS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Op = (typeof OPS)[number];

const metricName = z
  .string()
  .min(1, 'metric name is empty')
  .max(128, 'metric name is longer than 128 characters')
  .regex(/^[A-Za-z0-9_.:/-]+$/, 'metric name may hold only letters, digits and _ . : / -');

const seconds = (what: string) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .finite()
    .min(0, `${what} must not be negative`)
    .max(MAX_DURATION_SECONDS, `${what} must be at most 30 days`);

const severity = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseSeverity(v);
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown severity ${JSON.stringify(v)} (use 0..7 or ${SEVERITY_NAMES.join(', ')})`,
    });
    if (!(err instanceof ProtocolError)) throw err;
    return z.NEVER;
  }
});

/** A regular expression a user may give: length-limited, must compile, no nested quantifiers (backtracking bombs). */
const pattern = z
  .string()
  .min(1, 'pattern is empty')
  .max(MAX_PATTERN_LENGTH, `pattern is longer than ${MAX_PATTERN_LENGTH} characters`)
  .superRefine((p, ctx) => {
    try {
      new RegExp(p);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid pattern: ${(err as Error).message}` });
      return;
    }
    if (/\([^()]*[+*}][^()]*\)\s*[+*{]/.test(p)) {
      ctx.addIssue({
        code: 'custom',
        message: 'pattern has a nested quantifier such as (a+)+, which can backtrack forever',
      });
    }
  });

export const thresholdCondition = z
  .strictObject({
    type: z.literal('threshold'),
    metric: metricName,
    op: z.enum(OPS, { error: `op must be one of ${OPS.join(' ')}` }),
    value: z.number({ error: 'value must be a number' }).finite(),
    forSeconds: seconds('forSeconds').default(0),
    hysteresis: z.number().finite().min(0, 'hysteresis must not be negative').default(0),
  })
  .superRefine((c, ctx) => {
    if ((c.op === '==' || c.op === '!=') && c.hysteresis > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['hysteresis'],
        message: `hysteresis makes no sense with ${c.op}`,
      });
    }
  });

export const logMatchCondition = z
  .strictObject({
    type: z.literal('log_match'),
    minSeverity: severity.optional(),
    pattern: pattern.optional(),
    count: z
      .number()
      .int('count must be an integer')
      .min(1, 'count must be at least 1')
      .max(10_000)
      .default(1),
    windowSeconds: seconds('windowSeconds').min(1, 'windowSeconds must be at least 1').default(60),
  })
  .superRefine((c, ctx) => {
    if (c.minSeverity === undefined && c.pattern === undefined) {
      ctx.addIssue({ code: 'custom', message: 'log_match needs minSeverity and/or pattern' });
    }
  });

export const noDataCondition = z.strictObject({
  type: z.literal('no_data'),
  metric: metricName.optional(),
  afterSeconds: seconds('afterSeconds').min(1, 'afterSeconds must be at least 1'),
});

export const conditionSchema = z.discriminatedUnion(
  'type',
  [thresholdCondition, logMatchCondition, noDataCondition],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? 'condition.type must be one of threshold, log_match, no_data'
        : undefined,
  },
);

export const commandAction = z.strictObject({
  type: z.literal('command'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'command name may hold only letters, digits and _ . - (1..64)')
    .refine((n) => !n.startsWith('_'), 'command names starting with _ are reserved'),
  data: z.unknown().optional(),
});

export const webhookSchema = z.strictObject({
  url: z
    .string()
    .url('webhook.url must be a URL')
    .refine((u) => /^https?:\/\//i.test(u), 'webhook.url must be http(s)'),
  secret: z.string().min(16, 'webhook.secret must be at least 16 characters').max(256),
});

export const ruleInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'name is empty').max(200),
  enabled: z.boolean().default(true),
  severity: z.enum(['critical', 'warning', 'info']).default('warning'),
  /** Only devices whose labels hold every one of these key/value pairs; absent = every device of the tenant. */
  labels: z.record(z.string().min(1).max(64), z.string().max(256)).default({}),
  condition: conditionSchema,
  webhook: webhookSchema.optional(),
  actions: z
    .array(z.discriminatedUnion('type', [commandAction]))
    .max(10)
    .default([]),
});

export type RuleInput = z.input<typeof ruleInputSchema>;
export type RuleSpec = z.output<typeof ruleInputSchema>;
export type Condition = RuleSpec['condition'];
export type ThresholdCondition = z.output<typeof thresholdCondition>;
export type LogMatchCondition = z.output<typeof logMatchCondition>;
export type NoDataCondition = z.output<typeof noDataCondition>;
export type CommandAction = z.output<typeof commandAction>;

/** A stored rule as the engine sees it. */
export type Rule = RuleSpec & { id: string; tenantId: string };

/** Validates rule input; throws `RuleValidationError` (code `rules.invalid`) listing every problem. */
export function parseRule(input: unknown): RuleSpec {
  const r = ruleInputSchema.safeParse(input);
  if (!r.success) {
    throw new RuleValidationError(
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return r.data;
}

/** Does a device with these labels fall under the rule's label selector? */
export function matchesLabels(
  selector: Record<string, string>,
  labels: Record<string, string> | null | undefined,
): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}
