// Sticky selection (DESIGN §4): the cookie Weir mints and verifies, header and ip keys,
// `none`, and the Weir-Revision pin header.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readCookie } from "../../worker/affinity.ts";
import { call, origin, resetRoutes, seed } from "./helpers.ts";

beforeEach(resetRoutes);

const split = (stack: string, affinity?: string) =>
  seed({
    stack,
    name: "svc",
    origins: [origin("hello")],
    affinity,
    revisions: { v3: { origins: [origin("helloV3")], weight: 30 } },
  });

async function served(url: string, init: RequestInit = {}, overrides = {}): Promise<string> {
  const response = await call(url, init, overrides);
  const body = await response.text();
  expect(response.status).toBe(200);
  expect(body).toBe(response.headers.get("weir-revision") === "v3" ? "Hello World v3" : "Hello World");
  return response.headers.get("weir-revision")!;
}

function cookieValue(setCookie: string | null): string {
  expect(setCookie).not.toBeNull();
  return readCookie(setCookie!.split(";")[0], "weir")!;
}

describe("cookie affinity", () => {
  beforeAll(() => split("aff"));

  it("splits 2,000 cookie-less requests within ±4 pp of 70/30", async () => {
    let v3 = 0;
    for (let i = 0; i < 2000; i++) if ((await served("http://svc.aff.weir.localhost/")) === "v3") v3++;
    expect(Math.abs(v3 / 2000 - 0.3)).toBeLessThanOrEqual(0.04);
  });

  it("mints a signed cookie with the documented attributes", async () => {
    const response = await call("http://svc.aff.weir.localhost/");
    const setCookie = response.headers.get("set-cookie");
    expect(setCookie).toMatch(/^weir=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax$/);
    const secure = await call("https://svc.aff.weir.localhost/");
    expect(secure.headers.get("set-cookie")).toMatch(/; Secure$/);
  });

  it("keeps 100 requests with one minted cookie on one revision, minting nothing more", async () => {
    for (let user = 0; user < 10; user++) {
      const first = await call("http://svc.aff.weir.localhost/");
      const revision = first.headers.get("weir-revision");
      const cookie = `other=1; weir=${cookieValue(first.headers.get("set-cookie"))}`;
      for (let i = 0; i < 100; i++) {
        const again = await call("http://svc.aff.weir.localhost/", { headers: { cookie } });
        expect(again.headers.get("weir-revision")).toBe(revision);
        expect(again.headers.has("set-cookie")).toBe(false);
      }
    }
  });

  it("ignores and replaces forged or unsigned cookies", async () => {
    const minted = cookieValue((await call("http://svc.aff.weir.localhost/")).headers.get("set-cookie"));
    const [id, mac] = minted.split(".");
    const forgeries = [
      "chosen-id",
      `chosen-id.${mac}`,
      `${id}.${mac.slice(0, -2)}AA`,
      `${id}.`,
      `.${mac}`,
      `${id}.${mac}.extra`,
      `${id}.!!!!`,
    ];
    for (const forged of forgeries) {
      const response = await call("http://svc.aff.weir.localhost/", { headers: { cookie: `weir=${forged}` } });
      const replacement = cookieValue(response.headers.get("set-cookie"));
      expect(replacement).not.toBe(forged);
      expect(replacement).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    }
  });

  it("does not accept a cookie signed with another STICKY_SECRET", async () => {
    const minted = cookieValue((await call("http://svc.aff.weir.localhost/")).headers.get("set-cookie"));
    const response = await call("http://svc.aff.weir.localhost/", { headers: { cookie: `weir=${minted}` } }, { STICKY_SECRET: "another-secret" });
    expect(cookieValue(response.headers.get("set-cookie"))).not.toBe(minted);
  });

  it("still mints and verifies cookies without STICKY_SECRET (per-isolate key)", async () => {
    const none = { STICKY_SECRET: undefined };
    const first = await call("http://svc.aff.weir.localhost/", {}, none);
    const cookie = `weir=${cookieValue(first.headers.get("set-cookie"))}`;
    const again = await call("http://svc.aff.weir.localhost/", { headers: { cookie } }, none);
    expect(again.headers.has("set-cookie")).toBe(false);
    expect(again.headers.get("weir-revision")).toBe(first.headers.get("weir-revision"));
  });
});

describe("header, ip and none affinity", () => {
  it("header:<Name> keys on that header, and a request without it is spread", async () => {
    await split("affh", "header:X-User");
    const seen = new Map<string, Set<string>>();
    for (let user = 0; user < 50; user++) {
      for (let i = 0; i < 5; i++) {
        const revision = await served("http://svc.affh.weir.localhost/", { headers: { "x-user": `user-${user}` } });
        if (!seen.has(`user-${user}`)) seen.set(`user-${user}`, new Set());
        seen.get(`user-${user}`)!.add(revision);
      }
    }
    for (const revisions of seen.values()) expect(revisions.size).toBe(1);
    const counts = new Set<string>();
    for (let i = 0; i < 100; i++) counts.add(await served("http://svc.affh.weir.localhost/"));
    expect(counts).toEqual(new Set(["v0", "v3"]));
    const response = await call("http://svc.affh.weir.localhost/");
    expect(response.headers.has("set-cookie")).toBe(false);
  });

  it("ip keys on CF-Connecting-IP", async () => {
    await split("affi", "ip");
    const byIp = new Map<string, string>();
    for (let n = 0; n < 50; n++) {
      const ip = `198.51.100.${n}`;
      for (let i = 0; i < 5; i++) {
        const revision = await served("http://svc.affi.weir.localhost/", { headers: { "cf-connecting-ip": ip } });
        if (byIp.has(ip)) expect(revision).toBe(byIp.get(ip));
        byIp.set(ip, revision);
      }
    }
    expect(new Set(byIp.values())).toEqual(new Set(["v0", "v3"]));
  });

  it("none spreads one client's requests and sets no cookie", async () => {
    await split("affn", "none");
    const revisions = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const response = await call("http://svc.affn.weir.localhost/", { headers: { cookie: "weir=x", "x-user": "1" } });
      expect(response.headers.has("set-cookie")).toBe(false);
      revisions.add(response.headers.get("weir-revision")!);
      await response.text();
    }
    expect(revisions).toEqual(new Set(["v0", "v3"]));
  });
});

describe("Weir-Revision pin header", () => {
  it("pins to a version of the record, and unknown values fall back to selection", async () => {
    await seed({
      stack: "pin",
      name: "svc",
      origins: [origin("hello")],
      revisions: { v3: { origins: [origin("helloV3")], weight: 0 }, v2: { origins: [origin("helloV2")], weight: 0 } },
    });
    const v3 = await call("http://svc.pin.weir.localhost/", { headers: { "weir-revision": "v3" } });
    expect(await v3.text()).toBe("Hello World v3");
    expect(v3.headers.get("weir-revision")).toBe("v3");
    const v2 = await call("http://svc.pin.weir.localhost/", { headers: { "weir-revision": "v2" } });
    expect(await v2.text()).toBe("Hello World v2");
    const unknown = await call("http://svc.pin.weir.localhost/", { headers: { "weir-revision": "v9" } });
    expect(await unknown.text()).toBe("Hello World");
    expect(unknown.headers.get("weir-revision")).toBe("v0");
    // a version host serves only its own version
    const other = await call("http://svc-v2.pin.weir.localhost/", { headers: { "weir-revision": "v3" } });
    expect(await other.text()).toBe("Hello World v2");
  });
});
