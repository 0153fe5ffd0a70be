// When origins fail (DESIGN §5): refused connections (502, or the next origin for an
// idempotent body-less request), silent origins (504 after ORIGIN_TIMEOUT_MS), and
// requests that loop back into Weir (508).
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, origin, resetRoutes, seed } from "./helpers.ts";

interface ErrorJson {
  error: { code: string; message: string };
}

beforeEach(resetRoutes);
beforeAll(async () => {
  await seed({ stack: "fail", name: "dead", origins: [origin("dead")] });
  await seed({ stack: "fail", name: "slow", origins: [origin("lab")] });
  await seed({ stack: "fail", name: "failover", origins: [origin("dead"), origin("hello")] });
  await seed({ stack: "fail", name: "postover", origins: [origin("dead"), origin("echo")] });
  await seed({ stack: "fail", name: "echo", origins: [origin("echo")] });
});

describe("origin failures", () => {
  it("a refused connection is 502 origin_unreachable, naming the revision", async () => {
    const response = await call("http://dead.fail.weir.localhost/");
    expect(response.status).toBe(502);
    expect(response.headers.get("weir-revision")).toBe("v0");
    const body = (await response.json()) as ErrorJson;
    expect(body.error.code).toBe("origin_unreachable");
    expect(body.error.message).toBeTypeOf("string");
  });

  it("an origin that does not answer in ORIGIN_TIMEOUT_MS is 504 origin_timeout", async () => {
    const response = await call("http://slow.fail.weir.localhost/slow", {}, { ORIGIN_TIMEOUT_MS: "300" });
    expect(response.status).toBe(504);
    expect(((await response.json()) as ErrorJson).error).toEqual({
      code: "origin_timeout",
      message: "the origin did not answer within 300 ms",
    });
  });

  it("an idempotent body-less request fails over to the revision's next origin", async () => {
    for (let i = 0; i < 20; i++) {
      for (const method of ["GET", "HEAD", "DELETE"]) {
        const response = await call("http://failover.fail.weir.localhost/", { method });
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(method === "HEAD" ? "" : "Hello World");
      }
    }
  });

  it("a request with a body is not replayed on another origin", async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 20; i++) {
      const response = await call("http://postover.fail.weir.localhost/", { method: "POST", body: `order ${i}` });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 502) expect(((await response.json()) as ErrorJson).error.code).toBe("origin_unreachable");
      else expect(((await response.json()) as { method: string }).method).toBe("POST");
    }
    // origins are taken in turn: the requests that met the dead one were refused, not retried,
    // until its fifth failure in a row had it skipped (passive ejection, DESIGN §13)
    expect([...statuses.keys()].sort()).toEqual([200, 502]);
    expect(statuses.get(502)).toBe(5);
  });
});

describe("loop detection", () => {
  it("a request that comes back through Weir is 508 loop_detected", async () => {
    // What Weir sent to the origin, replayed at Weir as a looping origin would.
    const first = await call("http://echo.fail.weir.localhost/p");
    const sent = ((await first.json()) as { headers: Record<string, string> }).headers;
    expect(sent.via).toBe("1.1 weir");
    const looped = await call("http://echo.fail.weir.localhost/p", { headers: { via: sent.via, "x-forwarded-for": "127.0.0.1" } });
    expect(looped.status).toBe(508);
    expect(((await looped.json()) as ErrorJson).error.code).toBe("loop_detected");
    // other proxies in the chain are fine
    const chained = await call("http://echo.fail.weir.localhost/p", { headers: { via: "1.1 cdn, HTTP/2 edge (weird)" } });
    expect(chained.status).toBe(200);
    await chained.text();
  });
});
