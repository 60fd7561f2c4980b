// ResultCursor: the delivered-set cursor of batch results (watermark + ranges), its text form and its errors.
import { describe, expect, it } from "vitest";
import { ResultCursor, RESULT_CURSOR_MAX_CHARS } from "../../services/batches/index.js";

describe("ResultCursor", () => {
  it("advances the watermark over contiguous seqs and keeps out-of-order ones as ranges", () => {
    const c = new ResultCursor();
    expect(c.toString()).toBe("-1");
    for (const s of [3, 4, 7, 0]) c.add(s);
    expect(c.toString()).toBe("0.3-4.7");
    expect([0, 1, 3, 4, 7].map((s) => c.has(s))).toEqual([true, false, true, true, true]);
    c.add(1);
    c.add(2);
    expect(c.toString()).toBe("4.7");
    c.addRange(5, 9);
    expect(c.toString()).toBe("9");
    expect(c.covers(10)).toBe(true);
    expect(c.covers(11)).toBe(false);
  });

  it("round-trips through its text form", () => {
    const c = new ResultCursor();
    for (const s of [10, 11, 12, 20, 2, 0, 1, 30]) c.add(s);
    const again = ResultCursor.parse(c.toString());
    expect(again.toString()).toBe(c.toString());
    expect(again.toString()).toBe("2.10-12.20.30");
    expect(ResultCursor.parse("").toString()).toBe("-1");
    expect(ResultCursor.parse(undefined).watermark).toBe(-1);
  });

  it.each([
    ["-5", "not a non-negative integer"],
    ["3.2-4", "above the watermark"],
    ["abc", "not a non-negative integer"],
    ["3.9-5", "runs backwards"],
    ["3.8.6", "increasing"],
    ["3.5-6-7", "bad range"],
    ["01", "not a non-negative integer"],
    ["x".repeat(RESULT_CURSOR_MAX_CHARS + 1), "longer than"],
  ])("refuses %j with a message naming the cursor (%s)", (text, why) => {
    expect(() => ResultCursor.parse(text)).toThrow(
      expect.objectContaining({ code: "invalid_request", field: "cursor", message: expect.stringContaining(why) }),
    );
  });
});
