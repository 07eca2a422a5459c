// A SCIM 2.0 server for entramap's sync tests: SCIMMY (the SCIM protocol, schemas, filters and
// PATCH) behind SCIMMY's express routers. The storage below is ours: users and groups in
// memory, one store per tenant (the first path segment: /TENANT/Users), like scim2-server's
// --dynamic-tenants; userName unique per tenant (409), as SCIM's uniqueness says.
//
//   SCIMMY_PORT=18432 SCIMMY_TOKEN=secret node server.mjs
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import {randomUUID} from "node:crypto";

const token = process.env.SCIMMY_TOKEN ?? "";
const port = Number(process.env.SCIMMY_PORT ?? 18432);
const stores = new Map();

/** The tenant's store of `collection` ("Users" or "Groups"). */
function items(tenant, collection) {
    if (!stores.has(tenant)) stores.set(tenant, {Users: new Map(), Groups: new Map()});
    return stores.get(tenant)[collection];
}

// Users carry the enterprise extension (department, manager), as Entra's apps declare it.
SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);

for (const [Resource, collection] of [[SCIMMY.Resources.User, "Users"], [SCIMMY.Resources.Group, "Groups"]]) {
    SCIMMY.Resources.declare(Resource)
        .ingress((resource, instance, tenant) => {
            const store = items(tenant, collection);
            const now = new Date().toISOString();
            if (collection === "Users") {
                const taken = [...store.values()].some(u => u.id !== resource.id
                    && String(u.userName).toLowerCase() === String(instance.userName).toLowerCase());
                if (taken) throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${instance.userName} is taken`);
            }
            if (resource.id) {
                const before = store.get(resource.id);
                if (!before) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
                const after = {...JSON.parse(JSON.stringify(instance)), id: resource.id,
                    meta: {created: before.meta.created, lastModified: now}};
                store.set(resource.id, after);
                return after;
            }
            const id = randomUUID();
            const created = {...JSON.parse(JSON.stringify(instance)), id, meta: {created: now, lastModified: now}};
            store.set(id, created);
            return created;
        })
        .egress((resource, tenant) => {
            const store = items(tenant, collection);
            if (resource.id) {
                const found = store.get(resource.id);
                if (!found) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
                return found;
            }
            const all = [...store.values()];
            return resource.filter ? resource.filter.match(all) : all;
        })
        .degress((resource, tenant) => {
            if (!items(tenant, collection).delete(resource.id)) {
                throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            }
        });
}

const app = express();
app.use("/:tenant", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://github.com/entramap/entramap/blob/main/docs/sync.md",
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${token}`) throw new Error("Authorization failure: the bearer token is not the server's");
        return "entramap-tests";
    },
    // The tenant: the path the routers are mounted on.
    context: (request) => request.baseUrl,
}));
app.listen(port, "127.0.0.1", () => console.log(`SCIMMY on http://127.0.0.1:${port}`));
