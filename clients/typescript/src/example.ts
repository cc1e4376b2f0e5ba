// A fetch call typed by the generated types (README shows it). tsc checks this file with the
// types, so a change of the API that breaks a caller's code breaks `make client` first.
import type { components, operations } from "./api";

type Search = operations["searchTorrents"];
export type SearchQuery = NonNullable<Search["parameters"]["query"]>;
export type SearchResult = Search["responses"][200]["content"]["application/json"];
export type Problem = components["schemas"]["Problem"];

export async function search(base: string, query: SearchQuery): Promise<SearchResult> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const res = await fetch(`${base}/api/torrents/search?${params}`);
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    throw new Error(`${problem.code}: ${problem.detail}`);
  }
  return (await res.json()) as SearchResult;
}

export async function firstMagnet(base: string): Promise<string | undefined> {
  const page = await search(base, { q: "sintel", limit: 5 });
  return page.items[0]?.magnet;
}
