/** `catalog` → `CATALOG_DATABASE_URL`. */
export function databaseUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
}
