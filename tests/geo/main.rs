//! Geo commands: one test binary, one topic per module.
//!
//! - `differential`: random GEOADD/GEOPOS/GEOHASH/GEODIST/GEORADIUS*/GEOSEARCH* streams
//!   with random coordinates, radii, boxes, units and option combinations, the STORE forms
//!   followed by `ZRANGE … WITHSCORES`, and errors — against a real redis-server, byte for
//!   byte, order included (also without ASC/DESC: emu walks the cells in Redis's order);
//!   RESP3 byte for byte (coordinates as doubles with Redis's long-double digits);
//! - `embedded`: the typed API (`geoadd`, `geopos`, `geodist`, `geohash`, `geosearch` with
//!   [`emu::GeoSearch`]) and pipelines.

#[path = "../common/mod.rs"]
mod common;
#[cfg(feature = "server")]
#[path = "../server_util/mod.rs"]
mod server_util;

#[cfg(feature = "server")]
mod differential;
mod embedded;
