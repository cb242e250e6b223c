import { describePlatform } from "./platform";

describe("staging stack under the mock engine", () => describePlatform("staging"));
