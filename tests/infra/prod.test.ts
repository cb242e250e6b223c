import { describePlatform } from "./platform";

describe("prod stack under the mock engine", () => describePlatform("prod"));
