/** A realistic-looking webhook payload of about `bytes` bytes of compact JSON (an invoice event). */
export function payloadOf(i: number, bytes = 500): Record<string, unknown> {
  const base = {
    type: "invoice.paid",
    id: `evt_${i.toString(36).padStart(10, "0")}`,
    data: {
      object: "invoice",
      id: `in_${(i * 7919).toString(36).padStart(12, "0")}`,
      customer: `cus_${(i % 9973).toString(36).padStart(8, "0")}`,
      amount_due: 1000 + (i % 50_000),
      amount_paid: 1000 + (i % 50_000),
      currency: "eur",
      status: "paid",
      lines: [
        { price: "price_basic_monthly", quantity: 1 + (i % 5), period: { start: 1_700_000_000, end: 1_702_592_000 } },
      ],
      metadata: { order: String(100_000 + i), region: ["eu-west", "us-east", "ap-south"][i % 3] },
      description: "",
    },
  };
  const size = JSON.stringify(base).length;
  base.data.description = "x".repeat(Math.max(0, bytes - size));
  return base;
}
