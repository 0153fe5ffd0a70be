// Bodies stream through Weir both ways (DESIGN §5): 50 MiB down and up, hashed on the fly
// on each side so neither the test nor the origin holds them whole, and a response whose
// origin has not finished is already readable by the client.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, origin, resetRoutes, seed } from "./helpers.ts";

const MiB = 1 << 20;
const SIZE = 50 * MiB;

/** Byte i = i mod 256, the pattern test/setup/origins.ts sends; a fresh chunk each pull. */
function patternStream(total: number): ReadableStream<Uint8Array> {
  const pattern = Uint8Array.from({ length: MiB }, (_, i) => i & 255);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const length = Math.min(MiB, total - sent);
      sent += length;
      controller.enqueue(pattern.slice(0, length));
    },
  });
}

async function digest(stream: ReadableStream<Uint8Array>): Promise<{ length: number; sha256: string }> {
  let length = 0;
  const hasher = new crypto.DigestStream("SHA-256");
  await stream
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          length += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeTo(hasher);
  const sha256 = [...new Uint8Array(await hasher.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { length, sha256 };
}

beforeEach(resetRoutes);
beforeAll(() => seed({ stack: "stream", name: "lab", origins: [origin("lab")] }));

describe("streamed bodies", () => {
  it("a 50 MiB download arrives whole and byte-exact", async () => {
    const expected = await digest(patternStream(SIZE));
    const response = await call(`http://lab.stream.weir.localhost/download?bytes=${SIZE}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(SIZE));
    expect(await digest(response.body!)).toEqual(expected);
  });

  it("a 50 MiB streamed upload reaches the origin whole and byte-exact", async () => {
    const expected = await digest(patternStream(SIZE));
    const response = await call("http://lab.stream.weir.localhost/upload", { method: "PUT", body: patternStream(SIZE) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ bodyLength: expected.length, bodySha256: expected.sha256 });
  });

  it("the client reads the first bytes while the origin's response is still open", async () => {
    const id = crypto.randomUUID();
    const response = await call(`http://lab.stream.weir.localhost/hold/${id}`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe("first;");
    // only now does the origin finish: a buffering proxy would never have got here
    const release = await fetch(origin("lab", `/release/${id}`));
    expect(await release.text()).toBe("released");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toBe("last");
  });
});
