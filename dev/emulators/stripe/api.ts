/**
 * The Stripe API endpoints Inkline calls, under `/v1`: Bearer auth with the secret key, fault
 * injection, and Stripe's idempotency semantics on POST: the first answer to a key is replayed
 * (`Idempotent-Replayed: true`) for the same request, and the key used with other parameters is
 * a 400 `idempotency_error`. As at Stripe, a request that fails validation or is failed on
 * purpose before it runs (an injected 500, 429 or timeout, like a load balancer's) saves nothing.
 */
import { canonical, parseStripeForm } from "./form.ts";
import { json, stripeError, type Incoming, type Reply } from "./http.ts";
import { createRefund, createSession, expireSession, type OperationsContext, type Outcome } from "./operations.ts";
import type { Operation } from "./state.ts";

export interface ApiContext extends OperationsContext {
  secretKey: string;
}

type Handler = (ctx: ApiContext, req: Incoming, params: ReturnType<typeof parseStripeForm>, id: string | undefined, key: string | null) => Outcome<unknown>;

const ROUTES: { method: string; pattern: RegExp; operation: Operation; handler: Handler }[] = [
  { method: "POST", pattern: /^\/v1\/checkout\/sessions$/, operation: "create_session", handler: (ctx, _req, params) => createSession(ctx, params) },
  {
    method: "GET",
    pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/,
    operation: "retrieve_session",
    handler: (ctx, _req, _params, id = "") => {
      const stored = ctx.state.sessions.get(id);
      return stored ? { ok: true, value: stored.session } : { ok: false, reply: stripeError(404, "invalid_request_error", `No such checkout.session: '${id}'`, { code: "resource_missing", param: "session" }) };
    },
  },
  { method: "POST", pattern: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, operation: "expire_session", handler: (ctx, _req, _params, id = "", key = null) => expireSession(ctx, id, key) },
  { method: "POST", pattern: /^\/v1\/refunds$/, operation: "create_refund", handler: (ctx, _req, params, _id, key = null) => createRefund(ctx, params, key) },
  {
    method: "GET",
    pattern: /^\/v1\/refunds\/([^/]+)$/,
    operation: "retrieve_refund",
    handler: (ctx, _req, _params, id = "") => {
      const refund = ctx.state.refunds.get(id);
      return refund ? { ok: true, value: refund } : { ok: false, reply: stripeError(404, "invalid_request_error", `No such refund: '${id}'`, { code: "resource_missing", param: "id" }) };
    },
  },
];

function bearer(req: Incoming): string | null {
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1] ?? null;
}

const mask = (key: string) => `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;

/** Answers a `/v1` request and records it. */
export function handleApi(ctx: ApiContext, req: Incoming): Reply {
  const { state } = ctx;
  const path = req.url.pathname;
  const route = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find(({ r, m }) => m && r.method === req.method);
  const key = req.method === "POST" ? (typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null) : null;
  const record = (status: number, replayed = false, injected = false) =>
    state.requests.push({ seq: state.nextSeq(), at: new Date(state.now()).toISOString(), method: req.method, path, operation: route?.r.operation ?? null, idempotency_key: key, status, replayed, injected });

  const given = bearer(req);
  if (given !== ctx.secretKey) {
    record(401);
    const message = given ? `Invalid API Key provided: ${mask(given)}` : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.";
    return stripeError(401, "invalid_request_error", message);
  }
  if (!route) {
    record(404);
    return stripeError(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${path}). The Stripe emulator serves only the calls Inkline makes.`);
  }
  const failure = state.takeFailure(route.r.operation, key);
  if (failure === "timeout") {
    record(0, false, true);
    return { kind: "hold" };
  }
  if (failure === "500") {
    record(500, false, true);
    return stripeError(500, "api_error", "An unknown error occurred. (injected by the Stripe emulator)");
  }
  if (failure === "429") {
    record(429, false, true);
    return stripeError(429, "invalid_request_error", "Too many requests hit the API too quickly. (injected by the Stripe emulator)", { code: "rate_limit" });
  }

  const params = parseStripeForm(req.method === "GET" ? req.url.search.slice(1) : req.body);
  if (key !== null) {
    const first = state.idempotency.get(key);
    if (first) {
      if (first.method !== req.method || first.path !== path || first.params !== canonical(params)) {
        record(400);
        return stripeError(
          400,
          "idempotency_error",
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          {},
          { "stripe-should-retry": "false" },
        );
      }
      record(first.status, true);
      return json(first.status, first.body, { "idempotent-replayed": "true", "idempotency-key": key });
    }
  }
  const outcome = route.r.handler(ctx, req, params, route.m?.[1], key);
  if (!outcome.ok) {
    record(outcome.reply.kind === "json" ? outcome.reply.status : 500);
    return outcome.reply;
  }
  // Deep copy: later changes to the object (a payment) must not change the replayed answer.
  const body: unknown = JSON.parse(JSON.stringify(outcome.value));
  if (key !== null) state.idempotency.set(key, { method: req.method, path, params: canonical(params), status: 200, body });
  record(200);
  return json(200, body, key === null ? undefined : { "idempotency-key": key });
}
