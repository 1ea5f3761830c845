import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addressWithoutFragment, readPortalUrl } from "../web/console/src/portal/options.ts";
import { textOn } from "../web/console/src/portal/theme.ts";

/**
 * What the portal reads from its URL (docs/portal.md, "Options in the URL"): the token and the
 * operator's options, from the fragment or the query, and nothing that could lead elsewhere or
 * inject style.
 */
const BASE = "https://hooks.example.com/portal/app/app_1/";

describe("the portal's URL options", () => {
  test("the token and options come from the fragment, or the query (svix-react's AppPortal)", () => {
    const fromFragment = readPortalUrl(`${BASE}#token=tok_1&primaryColor=0f766e&darkMode=true&noNav=true&compact=1`);
    assert.equal(fromFragment.token, "tok_1");
    assert.equal(fromFragment.primaryColor, "#0f766e");
    assert.equal(fromFragment.mode, "dark");
    assert.equal(fromFragment.noNav, true);
    assert.equal(fromFragment.compact, true);
    const fromQuery = readPortalUrl(`${BASE}?darkMode=auto&primaryColor=%23abc&fontFamily=Inter#token=tok_2`);
    assert.equal(fromQuery.token, "tok_2");
    assert.equal(fromQuery.mode, "auto");
    assert.equal(fromQuery.primaryColor, "#abc");
    assert.equal(fromQuery.fontFamily, "Inter");
    assert.equal(readPortalUrl(`${BASE}#token=t&darkMode=false`).mode, "light");
    assert.equal(readPortalUrl(`${BASE}#token=t`).mode, "auto");
  });

  test("values that could lead elsewhere or inject style are ignored", () => {
    const bad = readPortalUrl(
      `${BASE}#token=t&primaryColor=red;background:url(x)&fontFamily=${encodeURIComponent("x;}body{display:none")}` +
        `&icon=${encodeURIComponent("javascript:alert(1)")}&next=${encodeURIComponent("//evil.example/")}`,
    );
    assert.equal(bad.primaryColor, null);
    assert.equal(bad.fontFamily, null);
    assert.equal(bad.icon, null);
    assert.equal(bad.next, null);
    assert.equal(readPortalUrl(`${BASE}#next=https://evil.example`).next, null);
    assert.equal(
      readPortalUrl(`${BASE}#next=%2Fendpoints%2Fep_1%3Ftab%3Dattempts`).next,
      "/endpoints/ep_1?tab=attempts",
    );
    assert.equal(
      readPortalUrl(`${BASE}#icon=https://cdn.example.com/logo.png`).icon,
      "https://cdn.example.com/logo.png",
    );
    assert.equal(readPortalUrl(`${BASE}#token=`).token, null);
  });

  test("the address without the token keeps the path and query", () => {
    assert.equal(
      addressWithoutFragment(`${BASE}?primaryColor=abc#token=secret`),
      "/portal/app/app_1/?primaryColor=abc",
    );
  });

  test("button text is black or white, whichever reads better on the colour", () => {
    assert.equal(textOn("#7c3aed"), "#ffffff");
    assert.equal(textOn("#0f766e"), "#ffffff");
    assert.equal(textOn("#fde047"), "#000000");
    assert.equal(textOn("#fff"), "#000000");
  });
});
