/** Which routes the API serves, from its OpenAPI document (the dashboard asks only for those). */
import { expect, it } from "vitest";
import { apiRoutes, HEALTH_ROUTE } from "../../../dashboard/client/api-routes.js";

it("lists every operation of the document as METHOD /path, and nothing from what is not one", () => {
  const doc = {
    openapi: "3.0.0",
    paths: {
      "/v1/services": { get: {}, post: {}, parameters: [] },
      "/v1/services/{stack}/{name}/health": { get: {} },
      "/v1/odd": null,
    },
  };
  expect([...apiRoutes(doc)].sort()).toEqual(["GET /v1/services", "GET /v1/services/{stack}/{name}/health", "POST /v1/services"]);
  expect(apiRoutes(doc).has(HEALTH_ROUTE)).toBe(true);
  for (const odd of [null, {}, { paths: "x" }, "text"]) expect(apiRoutes(odd).size, JSON.stringify(odd)).toBe(0);
});
