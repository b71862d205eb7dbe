import fc from "fast-check"
import { PhpFloat, PhpInt, phpJsonDecode, PhpArray, PhpKey, PhpValue } from "../php"
import {
  decimalAmountField,
  gatewayIdField,
  isoDateTimeField,
  paymentSessionIdField,
  plainFields,
  plainValue,
  sha256HexField,
  statusWordField,
} from "../notification-fields"

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success

describe("notification field formats", () => {
  it("paymentSessionIdField: a Medusa payment session id, nothing around it", () => {
    expect(ok(paymentSessionIdField, "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W")).toBe(true)
    for (const bad of [
      "payses_1",
      "payses_01jq8z3k4m5n6p7q8r9s0t1v2w",
      "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2",
      "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2WX",
      "pay_01JQ8Z3K4M5N6P7Q8R9S0T1V2W",
      " payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W",
      "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W\n",
      "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W:100.00",
      "payses_01JQ8Z3K4M5N6P7Q8R9S0T1V2W&amount=1",
      "",
      123,
      null,
    ]) {
      expect([bad, ok(paymentSessionIdField, bad)]).toEqual([bad, false])
    }
  })

  it("decimalAmountField: a plain non-negative decimal, kept as the gateway wrote it", () => {
    expect(decimalAmountField.parse("2990.00")).toBe("2990.00")
    expect(decimalAmountField.parse("0")).toBe("0")
    expect(decimalAmountField.parse("0.5")).toBe("0.5")
    expect(decimalAmountField.parse(100.5)).toBe("100.5")
    expect(decimalAmountField.parse(1500)).toBe("1500")
    expect(decimalAmountField.parse("123456789012345.12345678")).toBe("123456789012345.12345678")
    for (const bad of ["", "01", "00.5", "-1", "+1", "1.", ".5", "1e3", "1,00", "1 ", " 1", "1.123456789", "1234567890123456", "1:RUB", "NaN", -1, 1e21, 1e-7, NaN, Infinity, null, true]) {
      expect([bad, ok(decimalAmountField, bad)]).toEqual([bad, false])
    }
  })

  it("statusWordField: one word of letters and _", () => {
    for (const good of ["PAID", "payment_canceled", "inProgressPayout", "a", "x".repeat(40)]) {
      expect([good, ok(statusWordField, good)]).toEqual([good, true])
    }
    for (const bad of ["", "_PAID", "1", "PAID ", "PAID:1", "PAID&x", "in-progress", "x".repeat(41), "ПЛАТЁЖ", 4]) {
      expect([bad, ok(statusWordField, bad)]).toEqual([bad, false])
    }
  })

  it("isoDateTimeField: ISO 8601 date and time", () => {
    for (const good of ["2024-01-15T10:30:45+00:00", "2024-01-15T10:30:45.123Z", "2024-01-15 10:30:45", "2024-01-15T10:30", "2024-01-15T10:30:45+0300", "2024-01-15T10:30:45-05"]) {
      expect([good, ok(isoDateTimeField, good)]).toEqual([good, true])
    }
    for (const bad of ["2024-01-15", "yesterday", "1705314645", "2024-01-15T10:30:45+00:00:RUB", "2024-01-15T10:30:45.1234567890Z", "2024-1-15T10:30:45Z", "2024-01-15T10:30:45 +00:00", 1705314645]) {
      expect([bad, ok(isoDateTimeField, bad)]).toEqual([bad, false])
    }
  })

  it("gatewayIdField: letters, digits, - and _ (never : or &), or a non-negative integer, as a string", () => {
    expect(gatewayIdField.parse("a1b2c3d4-e5f6-7890-abcd-ef1234567890")).toBe("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    expect(gatewayIdField.parse(1409)).toBe("1409")
    expect(gatewayIdField.parse("inv_1")).toBe("inv_1")
    for (const bad of ["", "a:b", "a&b", "a b", "a.b", "x".repeat(65), -1, 1.5, null, ["1"]]) {
      expect([bad, ok(gatewayIdField, bad)]).toEqual([bad, false])
    }
  })

  it("sha256HexField: exactly 64 lowercase hex digits", () => {
    const hex = "af3acf947e6f0e0f2c267e300b8582e504dba12d1f2d058652b7414163c09f48"
    expect(ok(sha256HexField, hex)).toBe(true)
    for (const bad of [hex.toUpperCase(), `${hex}0`, hex.slice(1), `${hex.slice(0, 63)}g`, ` ${hex}`, [hex], 1]) {
      expect([bad, ok(sha256HexField, bad)]).toEqual([bad, false])
    }
  })
})

describe("plainFields", () => {
  it("turns a decoded notification into plain values for zod", () => {
    const fields = phpJsonDecode(
      '{"a":1,"b":100.50,"c":"x","d":[1,"2"],"e":{"k":true,"z":null},"f":{"1":"x","0":"y"},"g":9223372036854775807,"h":{}}'
    ) as PhpArray
    expect(plainFields(fields)).toEqual({
      a: 1,
      b: 100.5,
      c: "x",
      d: [1, "2"],
      e: { k: true, z: null },
      // not a list (keys out of order): an object, as PHP's json_encode would print it
      f: { "1": "x", "0": "y" },
      // beyond 2^53: the exact digits as text, never a rounded number
      g: "9223372036854775807",
      h: [],
    })
  })

  it("plainValue keeps PHP's scalar kinds apart from strings", () => {
    expect(plainValue(new PhpInt(7n))).toBe(7)
    expect(plainValue(new PhpFloat(7))).toBe(7)
    expect(plainValue("7")).toBe("7")
    expect(plainValue(false)).toBe(false)
    // int keys from a form (`a[0]`, `a[1]`) are a list
    expect(plainValue(new Map<string | number, string>([[0, "a"], [1, "b"]]))).toEqual(["a", "b"])
    expect(plainValue(new Map<string | number, string>([[1, "a"]]))).toEqual({ "1": "a" })
  })

  it("property: builds the same objects as Object.fromEntries did, names that Object.prototype holds included", () => {
    // plainValue as it was: Object.fromEntries of every map that is not a list
    const oracle = (value: PhpValue): unknown => {
      if (value instanceof PhpInt) return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : value.value.toString()
      if (value instanceof PhpFloat) return value.value
      if (!(value instanceof Map)) return value
      const entries = [...value.entries()]
      return entries.every(([key], index) => key === index)
        ? entries.map(([, item]) => oracle(item))
        : Object.fromEntries(entries.map(([key, item]) => [String(key), oracle(item)]))
    }
    /** Every own property with its attributes, and the prototype, down the tree: what toEqual would not tell apart. */
    const shape = (value: unknown): unknown =>
      value !== null && typeof value === "object"
        ? {
            array: Array.isArray(value),
            prototypeIsObjects: Object.getPrototypeOf(value) === (Array.isArray(value) ? Array.prototype : Object.prototype),
            own: Reflect.ownKeys(value).map((key) => {
              const { value: item, ...attributes } = Object.getOwnPropertyDescriptor(value, key)!
              return [key, attributes, shape(item)]
            }),
          }
        : value
    const key = fc.oneof(
      fc.constantFrom<PhpKey>(0, 1, 2, -1, "a", "b", "__proto__", "toString", "constructor", "hasOwnProperty", "valueOf", "__defineGetter__", "01", "1.5", "length"),
      fc.nat({ max: 3 })
    )
    const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null), fc.bigInt().map((n) => new PhpInt(n)), fc.double().map((x) => new PhpFloat(x)))
    const { array } = fc.letrec<{ array: PhpArray; value: PhpValue }>((tie) => ({
      array: fc.array(fc.tuple(key, tie("value")), { maxLength: 4 }).map((entries) => new Map(entries)),
      value: fc.oneof({ depthSize: "small" }, leaf, tie("array")),
    }))
    fc.assert(
      fc.property(array, (fields) => {
        expect(shape(plainFields(fields))).toStrictEqual(shape(Object.fromEntries([...fields].map(([k, v]) => [String(k), oracle(v)]))))
        expect(shape(plainValue(fields))).toStrictEqual(shape(oracle(fields)))
      }),
      { numRuns: 3000 }
    )
  })
})
