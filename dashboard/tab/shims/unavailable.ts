/** Node modules the browser bundle must never reach at run time (imported only for types or unused paths). */
const unavailable = new Proxy(
  {},
  {
    get(_t, key) {
      throw new Error(`${String(key)}: a Node.js module is not available in the browser tab`);
    },
  },
);
export default unavailable;
