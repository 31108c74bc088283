/**
 * The hosted checkout page a Checkout Session's `url` opens: the amount and what it is for, a Pay
 * button (the session completes, `checkout.session.completed` goes to the Worker signed like
 * Stripe's, and the browser is sent to success_url) and Cancel (back to cancel_url; the session
 * stays open, as at Stripe). Expired and paid sessions say so.
 */
import { escapeHtml, html, redirect, type Incoming, type Reply } from "./http.ts";
import { paySession, type OperationsContext } from "./operations.ts";
import type { StoredSession } from "./state.ts";

const STYLE = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f6f9fc; color: #1a1f36; }
  main { max-width: 420px; margin: 0 auto; padding: 32px 20px; }
  .badge { display: inline-block; font-size: 12px; background: #ffde92; color: #7a4f00; border-radius: 4px; padding: 2px 6px; }
  .amount { font-size: 36px; font-weight: 600; margin: 8px 0 4px; }
  .card { background: #fff; border-radius: 8px; box-shadow: 0 2px 8px #0001; padding: 20px; margin-top: 20px; }
  button { width: 100%; font: inherit; font-size: 17px; padding: 14px; border-radius: 6px; border: 0; margin-top: 12px; cursor: pointer; }
  #pay { background: #635bff; color: #fff; }
  #cancel { background: transparent; color: #635bff; }
`;

function money(amountMinor: number, currency: string): string {
  return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency.toUpperCase() }).format(amountMinor / 100);
}

function page(title: string, body: string, status = 200): Reply {
  return html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
    status,
  );
}

function checkoutView(stored: StoredSession): Reply {
  const { session } = stored;
  const amount = money(session.amount_total, session.currency);
  if (session.status === "expired") return page("Link expired", `<h1>This link has expired</h1><p>No payment was taken.</p>`, 410);
  if (session.status === "complete") return page("Already paid", `<h1>Already paid</h1><p>${escapeHtml(amount)} was paid with this link.</p>`);
  return page(
    `Pay ${amount}`,
    `<span class="badge">TEST MODE · Stripe emulator</span>
     <p id="product">${escapeHtml(stored.productName)}</p>
     <div class="amount" id="amount">${escapeHtml(amount)}</div>
     <div class="card">
       <form method="post" action="/checkout/${escapeHtml(session.id)}/pay"><button id="pay" type="submit">Pay ${escapeHtml(amount)}</button></form>
       <form method="post" action="/checkout/${escapeHtml(session.id)}/cancel"><button id="cancel" type="submit">Cancel</button></form>
     </div>`,
  );
}

/** Answers `/checkout/:id`, `/checkout/:id/pay` and `/checkout/:id/cancel`; null for other paths. */
export function handleCheckout(ctx: OperationsContext, req: Incoming): Reply | null {
  const match = /^\/checkout\/([^/]+)(?:\/(pay|cancel))?$/.exec(req.url.pathname);
  if (!match?.[1]) return null;
  const stored = ctx.state.sessions.get(match[1]);
  if (!stored) return page("Not found", "<h1>No such checkout</h1>", 404);
  const action = match[2];
  if (!action && req.method === "GET") return checkoutView(stored);
  if (req.method !== "POST") return page("Not allowed", "<h1>Method not allowed</h1>", 405);
  const { session } = stored;
  if (action === "cancel") return session.cancel_url ? redirect(session.cancel_url) : checkoutView(stored);
  const paid = paySession(ctx, session.id);
  if (!paid.ok) return checkoutView(stored);
  return redirect((session.success_url ?? "/").replace("{CHECKOUT_SESSION_ID}", session.id));
}
