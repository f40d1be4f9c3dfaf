/** Physical constants of the simulation model (shared/docs/simulation-model.md). */
export const EARTH_RADIUS_KM = 6371.0
export const MU_KM3_PER_S2 = 398600.4418
export const DEFAULT_K_FACTOR = 4 / 3
