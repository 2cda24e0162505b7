import { describe, expect, it } from "vitest";
import { resolveEndpoints } from "../src/config";

describe("resolveEndpoints", () => {
  const page = { protocol: "http:", host: "127.0.0.1:8000" };

  it("uses the page's own host by default", () => {
    expect(resolveEndpoints(undefined, page)).toEqual({
      httpBase: "http://127.0.0.1:8000",
      wsBase: "ws://127.0.0.1:8000",
    });
    expect(resolveEndpoints("", { protocol: "https:", host: "sandpit.example" })).toEqual({
      httpBase: "https://sandpit.example",
      wsBase: "wss://sandpit.example",
    });
  });

  it("uses VITE_API_BASE for a separate API host, keeping a path prefix", () => {
    expect(resolveEndpoints("https://api.school.example/sandpit/", page)).toEqual({
      httpBase: "https://api.school.example/sandpit",
      wsBase: "wss://api.school.example/sandpit",
    });
  });

  it("treats a path-only base as this host under that prefix", () => {
    expect(resolveEndpoints("/sandpit", page)).toEqual({
      httpBase: "http://127.0.0.1:8000/sandpit",
      wsBase: "ws://127.0.0.1:8000/sandpit",
    });
  });
});
