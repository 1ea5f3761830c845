import assert from "node:assert/strict";
import { describe, it } from "node:test";
import twilio from "twilio";
import { verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertRefused, verify } from "./support/inbound-verification.ts";

/**
 * The Twilio verifier against the vectors of Twilio's security docs (webhook-standards.md §3.5:
 * form parameters, a JSON body through bodySHA256, repeated keys, the :443 port) and against
 * requests signed by the twilio package's getExpectedTwilioSignature.
 */

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const form = (params: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, v);
  return search.toString();
};

describe("twilio verifier: published vectors", () => {
  const config = { secret: "12345" };
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const params = {
    CallSid: "CA1234567890ABCDE",
    Caller: "+14158675309",
    Digits: "1234",
    From: "+14158675309",
    To: "+18005551212",
  };

  it("accepts the form-parameter vector", () => {
    const headers = { ...FORM, "X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=" };
    const result = assertAccepted(verify("twilio", config, { url, body: form(params), headers }));
    assert.equal(result.eventType, "twilio.webhook", "no status parameter: the fixed type");
    assert.equal(result.dedupeId, null);
    assertRefused(
      verify("twilio", config, { url, body: form({ ...params, Digits: "9999" }), headers }),
      /does not match/,
    );
  });

  it("accepts the JSON vector signed through bodySHA256, and refuses a body that does not hash to it", () => {
    const jsonUrl = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
    const headers = { "Content-Type": "application/json", "X-Twilio-Signature": "a9nBmqA0ju/hNViExpshrM61xv4=" };
    const body = '{"property": "value", "boolean": true}';
    assertAccepted(verify("twilio", config, { url: jsonUrl, body, headers }));
    assert.equal(twilio.validateRequestWithBody("12345", headers["X-Twilio-Signature"], jsonUrl, body), true);
    assertRefused(
      verify("twilio", config, { url: jsonUrl, body: body.replace("true", "false"), headers }),
      "body does not match the bodySHA256 in the URL",
    );
  });

  it("accepts the vector with a repeated key, whose values are de-duplicated and sorted", () => {
    const body = form({ Sid: "CA123", SidAccount: "AC123", Digits: ["5678", "1234", "1234"] });
    const headers = { ...FORM, "X-Twilio-Signature": "IK+Dwps556ElfBT0I3Rgjkr1wJU=" };
    assertAccepted(verify("twilio", config, { url, body, headers }));
    const reordered = form({ Digits: ["1234", "5678"], SidAccount: "AC123", Sid: "CA123" });
    assertAccepted(verify("twilio", config, { url, body: reordered, headers }));
  });

  it("accepts the :443 vector whether or not the received URL carries the port", () => {
    const headers = { ...FORM, "X-Twilio-Signature": "kvajT1Ptam85bY51eRf/AJRuM3w=" };
    assertAccepted(verify("twilio", config, { url, body: form(params), headers }));
    assertAccepted(verify("twilio", config, { url: url.replace(".com/", ".com:443/"), body: form(params), headers }));
    // The port-less signature from the first vector also verifies when the URL arrives with :443.
    const plain = { ...FORM, "X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8=" };
    assertAccepted(
      verify("twilio", config, { url: url.replace(".com/", ".com:443/"), body: form(params), headers: plain }),
    );
  });
});

describe("twilio verifier: requests signed by the twilio package", () => {
  const authToken = "9c1f2e3d4b5a69788796a5b4c3d2e1f0";
  const url = "https://hooks.example.com/in/src_2yZwUhtgs5Ai8T9yRQJXA";
  const status = { MessageSid: "SM1f0e8ae6ade43cb3c0ce4525424e404f", MessageStatus: "delivered", To: "+15558675310" };
  const signed = (params: Record<string, string>, token = authToken, signedUrl = url) => ({
    ...FORM,
    "X-Twilio-Signature": twilio.getExpectedTwilioSignature(token, signedUrl, params),
    "I-Twilio-Idempotency-Token": "9d5f0a1e-1234-4bcd-9e8f-0123456789ab",
  });

  it("accepts a status callback and names it from its parameters and idempotency token", () => {
    const headers = signed(status);
    assert.equal(twilio.validateRequest(authToken, headers["X-Twilio-Signature"], url, status), true);
    const result = assertAccepted(verify("twilio", { secret: authToken }, { url, body: form(status), headers }));
    assert.equal(result.eventType, "message.delivered");
    assert.equal(result.dedupeId, "9d5f0a1e-1234-4bcd-9e8f-0123456789ab");
    const call = { CallSid: "CA42", CallStatus: "completed" };
    const named = assertAccepted(
      verify("twilio", { secret: authToken }, { url, body: form(call), headers: signed(call) }),
    );
    assert.equal(named.eventType, "call.completed");
  });

  it("matches a URL Twilio signed percent-encoded but the gateway received raw", () => {
    const raw = "https://hooks.example.com/in/src_1?note=it's";
    const encoded = "https://hooks.example.com/in/src_1?note=it%27s";
    const headers = signed(status, authToken, encoded);
    assert.equal(twilio.validateRequest(authToken, headers["X-Twilio-Signature"], raw, status), true);
    assertAccepted(verify("twilio", { secret: authToken }, { url: raw, body: form(status), headers }));
  });

  it("matches a URL Twilio signed with a legacy-escaped query (`%2C` for a comma)", () => {
    const raw = "https://hooks.example.com/in/src_1?tags=a,b";
    const headers = signed(status, authToken, "https://hooks.example.com/in/src_1?tags=a%2Cb");
    assert.equal(twilio.validateRequest(authToken, headers["X-Twilio-Signature"], raw, status), true);
    assertAccepted(verify("twilio", { secret: authToken }, { url: raw, body: form(status), headers }));
  });

  it("matches a URL signed with its default port when it arrives without, and the reverse", () => {
    const plain = "https://hooks.example.com/in/src_1";
    const ported = "https://hooks.example.com:443/in/src_1";
    for (const [signedUrl, receivedUrl] of [
      [ported, plain],
      [plain, ported],
    ] as const) {
      const headers = signed(status, authToken, signedUrl);
      assertAccepted(verify("twilio", { secret: authToken }, { url: receivedUrl, body: form(status), headers }));
    }
    const http = signed(status, authToken, "http://hooks.example.com:80/in/src_1");
    assertAccepted(
      verify(
        "twilio",
        { secret: authToken },
        { url: "http://hooks.example.com/in/src_1", body: form(status), headers: http },
      ),
    );
    // Like Twilio's validator, any port on the received URL is also tried without (a proxy's inner port).
    const innerUrl = "https://hooks.example.com:8443/in/src_1";
    const signedPlain = signed(status, authToken, plain);
    assertAccepted(
      verify("twilio", { secret: authToken }, { url: innerUrl, body: form(status), headers: signedPlain }),
    );
    assert.equal(twilio.validateRequest(authToken, signedPlain["X-Twilio-Signature"], innerUrl, status), true);
    const other = signed(status, authToken, "https://hooks.example.com:8443/in/src_1");
    assertRefused(
      verify("twilio", { secret: authToken }, { url: ported, body: form(status), headers: other }),
      /does not match/,
    );
  });

  it("refuses a changed URL, a wrong token, and a body no signature covers", () => {
    const headers = signed(status);
    assertRefused(
      verify("twilio", { secret: authToken }, { url: url + "x", body: form(status), headers }),
      /^signature does not match \(tried 1 secret\) for the URL in \d spellings$/,
      [authToken],
    );
    assertRefused(
      verify("twilio", { secret: "0".repeat(32) }, { url, body: form(status), headers }),
      /does not match/,
      [authToken],
    );
    assertRefused(
      verify(
        "twilio",
        { secret: authToken },
        { url, body: '{"a":1}', headers: { ...headers, "Content-Type": "application/json" } },
      ),
      "body is not form-encoded and the URL has no bodySHA256 parameter, so no signature covers it",
    );
  });

  it("verifies with the fallback token during a rotation, and not after it is removed", () => {
    const old = "00112233445566778899aabbccddeeff";
    const headers = signed(status, old);
    assertAccepted(verify("twilio", { secret: authToken, fallbackSecret: old }, { url, body: form(status), headers }));
    assertRefused(verify("twilio", { secret: authToken }, { url, body: form(status), headers }), /tried 1 secret/, [
      authToken,
      old,
    ]);
  });

  it("explains missing and malformed signatures", () => {
    assertRefused(
      verify("twilio", { secret: authToken }, { url, body: form(status), headers: FORM }),
      "missing X-Twilio-Signature header",
    );
    assertRefused(
      verify(
        "twilio",
        { secret: authToken },
        { url, body: form(status), headers: { ...FORM, "X-Twilio-Signature": "abc" } },
      ),
      "X-Twilio-Signature is not a base64 HMAC-SHA1 (28 characters)",
    );
    assert.equal(
      verifierFor("twilio")!.validateConfig({ authToken }),
      'unknown config field "authToken" (allowed: secret, fallbackSecret)',
    );
  });
});
