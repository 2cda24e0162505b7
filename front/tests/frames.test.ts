import { describe, expect, it } from "vitest";
import { decodeMessage, toFrame } from "../src/run/frames";

describe("frames", () => {
  it("accepts the contract's frames", () => {
    const parse = (v: object) => toFrame(decodeMessage(JSON.stringify(v))!);
    expect(parse({ type: "stdout", data: "hi\n", seq: 3 })).toEqual({ type: "stdout", data: "hi\n", seq: 3 });
    expect(parse({ type: "status", status: "running" })).not.toBeNull();
    expect(parse({ type: "visualization", kind: "image", mime: "image/png", data: "AAAA" })).not.toBeNull();
    expect(parse({ type: "exit", result: { status: "ok" } })).not.toBeNull();
    expect(parse({ type: "explanation", title: "t" })).not.toBeNull();
  });

  it("rejects what it can't use", () => {
    expect(decodeMessage("[1,2]")).toBeNull();
    expect(decodeMessage("{")).toBeNull();
    expect(toFrame({ type: "stdout", data: 5 })).toBeNull();
    expect(toFrame({ type: "unknown" })).toBeNull();
    expect(toFrame({ data: "x" })).toBeNull();
  });

  it("drops a seq that isn't a number", () => {
    expect(toFrame({ type: "stdout", data: "x", seq: "7" })).toEqual({ type: "stdout", data: "x" });
  });
});
