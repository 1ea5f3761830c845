import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { verifierFor } from "../src/inbound/verifier-registry.ts";
import { assertAccepted, assertRefused, verify } from "./support/inbound-verification.ts";

/**
 * The source types without a provider of their own: the configurable `hmac` scheme (checked by
 * re-creating GitHub's, Slack's and Standard Webhooks' published vectors through it),
 * `basic-auth` and `api-key`.
 */

describe("hmac verifier", () => {
  const secret = "hmac-secret-3e8d1c7b";
  const body = JSON.stringify({ event: "order.shipped", id: 7 });
  const macOf = (algorithm: string, encoding: "hex" | "base64", content: string, key: string | Buffer = secret) =>
    createHmac(algorithm, key).update(content).digest(encoding);

  it("accepts every algorithm and encoding, and refuses a tampered body", () => {
    for (const algorithm of ["sha1", "sha256", "sha512"] as const) {
      for (const encoding of ["hex", "base64"] as const) {
        const config = { header: "X-Signature", secret, algorithm, encoding };
        const headers = { "X-Signature": macOf(algorithm, encoding, body) };
        assertAccepted(verify("hmac", config, { body, headers }));
        assertRefused(
          verify("hmac", config, { body: body + " ", headers }),
          "signature does not match (tried 1 secret)",
          [secret],
        );
      }
    }
  });

  it("re-creates GitHub's scheme with a prefix (GitHub docs vector)", () => {
    const config = { header: "X-Hub-Signature-256", secret: "It's a Secret to Everybody", prefix: "sha256=" };
    const headers = {
      "X-Hub-Signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    };
    assertAccepted(verify("hmac", config, { body: "Hello, World!", headers }));
    assertRefused(
      verify("hmac", config, { body: "Hello, World!", headers: { "X-Hub-Signature-256": "757107ea" } }),
      'X-Hub-Signature-256 does not start with "sha256="',
    );
  });

  it("re-creates Slack's scheme with a signed timestamp (Slack docs vector), tolerance both ways", () => {
    const config = {
      header: "X-Slack-Signature",
      secret: "8f742231b10e8888abcd99yyyzzz85a5",
      prefix: "v0=",
      timestampHeader: "X-Slack-Request-Timestamp",
      signedContent: "v0:{timestamp}:{body}",
    };
    const ts = 1531420618;
    const slackBody =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = {
      "X-Slack-Request-Timestamp": String(ts),
      "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    };
    const at = (nowSeconds: number) => verify("hmac", config, { body: slackBody, headers, nowSeconds });
    assertAccepted(at(ts + 300));
    assertAccepted(at(ts - 300));
    assertRefused(at(ts + 301), "timestamp 301 s old; tolerance 300 s");
    assertRefused(at(ts - 301), "timestamp 301 s in the future; tolerance 300 s");
    assertRefused(
      verify("hmac", config, {
        body: slackBody,
        headers: { "X-Slack-Signature": headers["X-Slack-Signature"] },
        nowSeconds: ts,
      }),
      "missing X-Slack-Request-Timestamp header",
    );
  });

  it("re-creates Standard Webhooks with {id}, a base64 secret and the id as dedupe id (spec vector)", () => {
    const config = {
      header: "webhook-signature",
      secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      secretEncoding: "base64",
      encoding: "base64",
      prefix: "v1,",
      timestampHeader: "webhook-timestamp",
      idHeader: "webhook-id",
      signedContent: "{id}.{timestamp}.{body}",
    };
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const result = assertAccepted(
      verify("hmac", config, { body: '{"test": 2432232314}', headers, nowSeconds: 1614265330 }),
    );
    assert.equal(result.dedupeId, "msg_p5jXN8AQM9LWM0D4loKWxJek");
    const { "webhook-id": _id, ...withoutId } = headers;
    assertRefused(
      verify("hmac", config, { body: '{"test": 2432232314}', headers: withoutId, nowSeconds: 1614265330 }),
      "missing webhook-id header (its value is signed as {id})",
    );
  });

  it("signs {url}, reads millisecond timestamps and a custom tolerance, names the event from a header", () => {
    const config = {
      header: "X-Sig",
      secret,
      timestampHeader: "X-Time",
      timestampUnit: "ms",
      toleranceSeconds: 60,
      signedContent: "{url}|{timestamp}|{body}",
      eventTypeHeader: "X-Event",
    };
    const url = "https://hooks.example.com/in/src_abc?x=1";
    const ms = "1700000000123";
    const headers = {
      "X-Sig": macOf("sha256", "hex", `${url}|${ms}|${body}`),
      "X-Time": ms,
      "X-Event": "order shipped",
    };
    const result = assertAccepted(verify("hmac", config, { url, body, headers, nowSeconds: 1700000060 }));
    assert.equal(result.eventType, "order_shipped", "normalised by the registry");
    assertRefused(
      verify("hmac", config, { url, body, headers, nowSeconds: 1700000061 }),
      "timestamp 61 s old; tolerance 60 s",
    );
    assertRefused(
      verify("hmac", config, { url: url + "&y=2", body, headers, nowSeconds: 1700000000 }),
      /does not match/,
    );
  });

  it("verifies with the fallback secret during a rotation, and not after it is removed", () => {
    const old = "hmac-old-secret-a1b2c3";
    const headers = { "X-Signature": macOf("sha256", "hex", body, old) };
    assertAccepted(verify("hmac", { header: "X-Signature", secret, fallbackSecret: old }, { body, headers }));
    assertRefused(verify("hmac", { header: "X-Signature", secret }, { body, headers }), /tried 1 secret/, [
      secret,
      old,
    ]);
    assertRefused(verify("hmac", { header: "X-Signature", secret }, { body }), "missing X-Signature header");
  });

  it("explains what is wrong with a config", () => {
    const v = verifierFor("hmac")!;
    const base = { header: "X-Signature", secret };
    const cases: [Record<string, unknown>, string][] = [
      [{ secret }, "config.header is required"],
      [{ ...base, header: "X Signature" }, "config.header is not a valid HTTP header name"],
      [{ header: "X-Signature" }, "config.secret is required"],
      [{ ...base, algorithm: "md5" }, 'config.algorithm must be one of sha1, sha256, sha512; got "md5"'],
      [{ ...base, encoding: "base32" }, 'config.encoding must be one of hex, base64; got "base32"'],
      [{ ...base, signedContent: "{timestamp}" }, "config.signedContent must include {body}"],
      [
        { ...base, signedContent: "{nonce}.{body}" },
        "config.signedContent: unknown placeholder {nonce} (known: {body}, {timestamp}, {id}, {url})",
      ],
      [
        { ...base, signedContent: "{timestamp}.{body}" },
        "config.signedContent uses {timestamp} but config.timestampHeader is not set",
      ],
      [
        { ...base, timestampHeader: "X-T", signedContent: "{body}" },
        "config.signedContent must include {timestamp} when config.timestampHeader is set",
      ],
      [{ ...base, signedContent: "{id}.{body}" }, "config.signedContent uses {id} but config.idHeader is not set"],
      [{ ...base, toleranceSeconds: 60 }, "config.toleranceSeconds needs config.timestampHeader"],
      [
        { ...base, timestampHeader: "X-T", toleranceSeconds: 0 },
        "config.toleranceSeconds must be an integer from 1 to 604800",
      ],
      [{ ...base, secretEncoding: "hex", secret: "abc" }, "config.secret is not valid hex (config.secretEncoding)"],
      [{ ...base, sharedSecret: "x" }, /^unknown config field "sharedSecret" \(allowed: header, secret, /],
    ].map(([config, message]) => [config as Record<string, unknown>, message as string]);
    for (const [config, message] of cases) {
      const problem = v.validateConfig(config);
      if (typeof message === "string") assert.equal(problem, message);
      else assert.match(problem ?? "", message);
    }
    assert.equal(
      v.validateConfig({ ...base, timestampHeader: "X-T" }),
      null,
      "the default template signs the timestamp",
    );
    assert.deepEqual(v.redact({ ...base, fallbackSecret: "old", algorithm: "sha1", prefix: "sha1=" }), {
      header: "X-Signature",
      algorithm: "sha1",
      prefix: "sha1=",
      hasSecret: true,
      hasFallbackSecret: true,
    });
  });
});

describe("basic-auth verifier", () => {
  const config = { username: "stripe-relay", password: "pa:ss-w0rd-1f2e3d" };
  const basic = (user: string, password: string, scheme = "Basic") =>
    ({ Authorization: `${scheme} ${Buffer.from(`${user}:${password}`).toString("base64")}` }) as Record<string, string>;

  it("accepts the right credentials (a colon in the password included) and names the event generically", () => {
    const headers = { ...basic(config.username, config.password, "basic"), "Idempotency-Key": "k-1" };
    const result = assertAccepted(verify("basic-auth", config, { body: "{}", headers }));
    assert.equal(result.dedupeId, "k-1");
  });

  it("refuses a wrong password or username with one reason that gives nothing away", () => {
    const reason = "username or password does not match (tried 1 password)";
    assertRefused(verify("basic-auth", config, { headers: basic(config.username, "guess") }), reason, [
      config.password,
    ]);
    assertRefused(verify("basic-auth", config, { headers: basic("someone", config.password) }), reason, [
      config.password,
    ]);
  });

  it("verifies with the fallback password during a rotation, and not after it is removed", () => {
    const rotating = { ...config, password: "n3w-pa55-998877aa", fallbackPassword: config.password };
    assertAccepted(verify("basic-auth", rotating, { headers: basic(config.username, config.password) }));
    assertRefused(
      verify(
        "basic-auth",
        { ...config, password: "n3w-pa55-998877aa" },
        { headers: basic(config.username, config.password) },
      ),
      "username or password does not match (tried 1 password)",
      [config.password, "n3w-pa55-998877aa"],
    );
  });

  it("explains missing and malformed credentials, and checks its config", () => {
    assertRefused(verify("basic-auth", config, {}), "missing Authorization header");
    assertRefused(
      verify("basic-auth", config, { headers: { Authorization: "Bearer abc" } }),
      "Authorization header is not Basic credentials",
    );
    const noColon = { Authorization: `Basic ${Buffer.from("justone").toString("base64")}` };
    assertRefused(
      verify("basic-auth", config, { headers: noColon }),
      "Basic credentials have no colon between username and password",
    );
    const v = verifierFor("basic-auth")!;
    assert.equal(v.validateConfig({ username: "a:b", password: "x" }), "config.username cannot contain a colon");
    assert.equal(v.validateConfig({ username: "a" }), "config.password is required");
    assert.deepEqual(v.redact(config), { username: "stripe-relay", hasPassword: true, hasFallbackPassword: false });
  });
});

describe("api-key verifier", () => {
  const key = "hk_live_4f9a8b7c6d5e";
  it("accepts the key in a plain header, and behind a case-insensitive Bearer prefix", () => {
    assertAccepted(verify("api-key", { header: "X-Api-Key", key }, { headers: { "X-Api-Key": key } }));
    const bearer = { header: "Authorization", key, prefix: "Bearer " };
    const result = assertAccepted(
      verify("api-key", bearer, {
        headers: { Authorization: `bearer ${key}`, "Content-Type": "application/json" },
        body: '{"type":"a.b"}',
      }),
    );
    assert.equal(result.eventType, "a.b");
    assertRefused(
      verify("api-key", bearer, { headers: { Authorization: key } }),
      'Authorization does not start with "Bearer "',
      [key],
    );
  });

  it("refuses a wrong key, verifies a fallback key during a rotation and not after", () => {
    assertRefused(
      verify("api-key", { header: "X-Api-Key", key }, { headers: { "X-Api-Key": key + "x" } }),
      "key does not match (tried 1 key)",
      [key],
    );
    const old = "hk_live_old_00112233";
    assertAccepted(
      verify("api-key", { header: "X-Api-Key", key, fallbackKey: old }, { headers: { "X-Api-Key": old } }),
    );
    assertRefused(verify("api-key", { header: "X-Api-Key", key }, { headers: { "X-Api-Key": old } }), /tried 1 key/, [
      key,
      old,
    ]);
    assertRefused(verify("api-key", { header: "X-Api-Key", key }, {}), "missing X-Api-Key header");
  });

  it("checks and redacts its config", () => {
    const v = verifierFor("api-key")!;
    assert.equal(v.validateConfig({ key }), "config.header is required");
    assert.equal(v.validateConfig({ header: "X-Api-Key" }), "config.key is required");
    assert.equal(
      v.validateConfig({ header: "X-Api-Key", key, fallbackKey: " old" }),
      "config.fallbackKey has leading or trailing whitespace (a copy-and-paste slip?)",
    );
    assert.deepEqual(v.redact({ header: "X-Api-Key", key, prefix: "Token " }), {
      header: "X-Api-Key",
      prefix: "Token ",
      hasKey: true,
      hasFallbackKey: false,
    });
  });
});
