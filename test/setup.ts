import { afterAll } from "vitest";
import { closeLocalProviders } from "./helpers/wire.js";

// Each test file that sent histories to the local provider server stops it when done.
afterAll(() => closeLocalProviders());
