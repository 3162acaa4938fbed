// The sort fields of GET /users, apart from the listing code. Validation and the OpenAPI document
// need only this list, and importing lib/user-listing.ts would pull the MongoDB driver into the
// openapi bundle.

/** Fields a user list can be sorted by. A leading `-` in the `ordering` parameter sorts descending. */
export const ORDERING_FIELDS = ['id', 'username', 'date_joined', 'last_login'] as const;

export type OrderingField = (typeof ORDERING_FIELDS)[number];
