// Sticky selection (DESIGN §4): the cookie Weir mints and verifies, header and ip keys,
// `none`, the Weir-Revision pin header, and no cookie while one revision serves everything.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
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

describe("a service one revision serves mints no cookie (issue 9)", () => {
  const weighted = (stack: string, v3: number, configVersion: number) =>
    seed({ stack, name: "svc", origins: [origin("hello")], revisions: { v3: { origins: [origin("helloV3")], weight: v3 } }, configVersion });
  const fresh = { ROUTE_CACHE_MS: "0" };

  it("signs and sets nothing for a single revision, or while the others are at 0 %, whatever the affinity", async () => {
    await seed({ stack: "one", name: "svc", origins: [origin("hello")] });
    await weighted("one0", 0, 1);
    for (const affinity of ["cookie", "ip", "header:X-User", "none"]) await seed({ stack: "one", name: `svc-${affinity.slice(0, 2)}`, origins: [origin("hello")], affinity });
    const sign = vi.spyOn(crypto.subtle, "sign");
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      const hosts = ["svc.one", "svc.one0", "svc-co.one", "svc-ip.one", "svc-he.one", "svc-no.one"];
      for (const host of hosts) {
        for (const cookie of [undefined, "weir=unverified.value", "weir=AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"]) {
          const response = await call(`http://${host}.weir.localhost/`, { headers: cookie === undefined ? {} : { cookie } });
          expect(await response.text(), host).toBe("Hello World");
          expect(response.headers.has("set-cookie"), host).toBe(false);
        }
      }
      expect(sign).not.toHaveBeenCalled();
      expect(importKey).not.toHaveBeenCalled();
      // the spy does see a fresh visitor of a split service signed
      await weighted("one30", 30, 1);
      expect((await call("http://svc.one30.weir.localhost/")).headers.has("set-cookie")).toBe(true);
      expect(sign).toHaveBeenCalled();
    } finally {
      sign.mockRestore();
      importKey.mockRestore();
    }
  });

  it("mints once a second revision gets weight; cookies from before keep their revision across a single-revision spell", async () => {
    await weighted("spell", 30, 1);
    // users who got a cookie while the split ran
    const users: { cookie: string; revision: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const first = await call("http://svc.spell.weir.localhost/", {}, fresh);
      users.push({ cookie: `weir=${cookieValue(first.headers.get("set-cookie"))}`, revision: first.headers.get("weir-revision")! });
    }
    expect(new Set(users.map((u) => u.revision))).toEqual(new Set(["v0", "v3"]));

    // v3 back to 0 %: everyone on v0, nobody gets a cookie, old cookies are just ignored
    await weighted("spell", 0, 2);
    for (const user of users.slice(0, 10)) {
      const response = await call("http://svc.spell.weir.localhost/", { headers: { cookie: user.cookie } }, fresh);
      expect(response.headers.get("weir-revision")).toBe("v0");
      expect(response.headers.has("set-cookie")).toBe(false);
    }
    const cookieless = await call("http://svc.spell.weir.localhost/", {}, fresh);
    expect(cookieless.headers.has("set-cookie")).toBe(false);

    // v3 at 30 % again: old cookies land where they were, new visitors get a cookie
    await weighted("spell", 30, 3);
    for (const user of users) {
      const response = await call("http://svc.spell.weir.localhost/", { headers: { cookie: user.cookie } }, fresh);
      expect(response.headers.get("weir-revision")).toBe(user.revision);
      expect(response.headers.has("set-cookie")).toBe(false);
    }
    const newcomer = await call("http://svc.spell.weir.localhost/", {}, fresh);
    const cookie = `weir=${cookieValue(newcomer.headers.get("set-cookie"))}`;
    for (let i = 0; i < 10; i++) {
      const again = await call("http://svc.spell.weir.localhost/", { headers: { cookie } }, fresh);
      expect(again.headers.get("weir-revision")).toBe(newcomer.headers.get("weir-revision"));
    }
  });

  it("a pinned request still reaches a 0 % revision of a single-revision service", async () => {
    await weighted("onepin", 0, 1);
    const pinned = await call("http://svc.onepin.weir.localhost/", { headers: { "weir-revision": "v3" } });
    expect(await pinned.text()).toBe("Hello World v3");
    expect(pinned.headers.has("set-cookie")).toBe(false);
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
