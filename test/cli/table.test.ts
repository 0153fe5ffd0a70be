import { describe, expect, it } from "vitest";
import { renderTable } from "../../cli/table.ts";

describe("renderTable", () => {
  it("left-aligns columns two spaces apart with no trailing whitespace", () => {
    const out = renderTable(
      ["NAME", "WEIGHT", "DETAIL"],
      [
        ["test/svc", "100%", ""],
        ["test/svc:v3", "0%", "domains=a.example.com"],
      ],
    );
    expect(out).toBe(
      "NAME         WEIGHT  DETAIL\n" + //
        "test/svc     100%\n" +
        "test/svc:v3  0%      domains=a.example.com\n",
    );
  });

  it("prints only the header for no rows, and widens a column to its header", () => {
    expect(renderTable(["HOST", "TARGET"], [])).toBe("HOST  TARGET\n");
    expect(renderTable(["VERSION", "X"], [["1", "y"]])).toBe("VERSION  X\n1        y\n");
  });
});
