/** Reads a Prometheus text exposition into `series{labels}` -> value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
