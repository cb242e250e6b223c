export { freePort } from "../../service/src/dev/ports";
