import { PhpArray, PhpFloat, PhpInt, phpFormDecode, phpJsonDecode, phpJsonEncode, phpKey, phpKsort, phpToString } from "../php"

/** Expected values below were checked with PHP 8.2 (php -r '...'). */
const float = (value: number) => new PhpFloat(value)
const int = (value: number | bigint) => new PhpInt(BigInt(value))
const decodeObject = (raw: string) => phpJsonDecode(raw) as PhpArray

describe("phpJsonDecode (json_decode($raw, true))", () => {
  it("keeps integers and floats apart, as PHP does", () => {
    const decoded = decodeObject('{"i":1500,"f":1500.00,"e":1e2,"big":9223372036854775808,"max":9223372036854775807,"neg":-0}')
    expect(decoded.get("i")).toEqual(int(1500))
    expect(decoded.get("f")).toEqual(float(1500))
    expect(decoded.get("e")).toEqual(float(100))
    expect(decoded.get("big")).toEqual(float(9223372036854775808))
    expect(decoded.get("max")).toEqual(int(9223372036854775807n))
    expect(decoded.get("neg")).toEqual(int(0))
  })

  it("makes int keys of decimal-integer strings only, keeps key order, last duplicate wins in place", () => {
    const decoded = decodeObject('{"12":1,"012":2,"-0":3,"-5":4,"b":5,"9007199254740993":6,"b":7}')
    expect([...decoded.keys()]).toEqual([12, "012", "-0", -5, "b", "9007199254740993"])
    expect(decoded.get("b")).toEqual(int(7))
  })

  it("decodes lists to arrays with keys 0..n-1 and strings with escapes", () => {
    expect([...decodeObject('[true,null,"\\u00e9\\ud83d\\ude00\\/"]').entries()]).toEqual([
      [0, true],
      [1, null],
      [2, "é😀/"],
    ])
  })

  it.each([
    ["an unpaired surrogate", '"\\udc00"'],
    ["a raw control character", '"a\nb"'],
    ["512 nested arrays", "[".repeat(512) + "]".repeat(512)],
    ["trailing data", "{} {}"],
    ["a leading zero", "01"],
  ])("rejects %s like PHP", (_what, raw) => {
    expect(() => phpJsonDecode(raw)).toThrow(SyntaxError)
  })

  it("accepts 511 nested arrays", () => {
    expect(phpJsonDecode("[".repeat(511) + "]".repeat(511))).toBeInstanceOf(Map)
  })
})

describe("phpFormDecode ($_POST)", () => {
  it("decodes names as PHP: mangling, brackets, appends, int keys", () => {
    const decoded = phpFormDecode("a.b=1&c[]=x&c[]=y&c[7]=z&c[]=w&d[k][]=v&e[b=2& +f=3&10=t&g=%zz+%41")
    expect(phpJsonEncode(decoded)).toBe(
      '{"a_b":"1","c":{"0":"x","1":"y","7":"z","8":"w"},"d":{"k":["v"]},"e_b":"2","f":"3","10":"t","g":"%zz A"}'
    )
  })

  it("follows PHP 8.2's next index after negative keys and stops after max_input_vars", () => {
    expect(phpJsonEncode(phpFormDecode("n[-5]=x&n[]=y"))).toBe('{"n":{"-5":"x","-4":"y"}}')
    const many = Array.from({ length: 1002 }, (_, i) => `k${i}=v`).join("&")
    expect(phpFormDecode(many).size).toBe(1001)
  })

  it("refuses bytes that are not UTF-8", () => {
    expect(() => phpFormDecode("a=%FF")).toThrow(SyntaxError)
  })
})

describe("phpToString (PHP's string conversion, precision=14)", () => {
  it.each([
    [float(100.5), "100.5"],
    [float(1500), "1500"],
    [float(0.1 + 0.2), "0.3"],
    [float(123456789012345.678), "1.2345678901235E+14"],
    [float(1e15), "1.0E+15"],
    [float(0.00001), "1.0E-5"],
    [float(0.0001), "0.0001"],
    [float(-0), "-0"],
    [float(99999999999999.99), "1.0E+14"],
    [float(Infinity), "INF"],
    [int(-42), "-42"],
    [true, "1"],
    [false, ""],
    [null, ""],
    ["as is", "as is"],
  ])("%p -> %p", (value, expected) => {
    expect(phpToString(value)).toBe(expected)
  })
})

describe("phpJsonEncode (JSON_UNESCAPED_UNICODE, serialize_precision=-1)", () => {
  it.each([
    [float(10), "10"],
    [float(0.1 + 0.2), "0.30000000000000004"],
    [float(1e25), "1.0e+25"],
    [float(1e16), "10000000000000000"],
    [float(1e-7), "1.0e-7"],
    [float(-0), "-0"],
    ['a/b"\\\b\f\n\r\t\u0001\u007f\u2028\u2029Иван😀', '"a\\/b\\"\\\\\\b\\f\\n\\r\\t\\u0001\u007f\\u2028\\u2029Иван😀"'],
  ])("%p -> %p", (value, expected) => {
    expect(phpJsonEncode(value)).toBe(expected)
  })

  it("tells lists from objects by their keys", () => {
    expect(phpJsonEncode(decodeObject('{"0":"a","1":"b"}'))).toBe('["a","b"]')
    expect(phpJsonEncode(decodeObject('{"1":"a","0":"b"}'))).toBe('{"1":"a","0":"b"}')
    expect(phpJsonEncode(decodeObject("{}"))).toBe("[]")
  })

  it("fails as a whole on an infinite float", () => {
    expect(phpJsonEncode(decodeObject('{"ok":1,"x":[1e400]}'))).toBe(false)
  })
})

describe("phpKsort (SORT_REGULAR)", () => {
  const sortedKeys = (raw: string) => [...phpKsort(decodeObject(raw)).keys()]

  it("orders ints and numeric strings by value, other strings bytewise, equal ones stably", () => {
    expect(sortedKeys('{"b":1,"10":1,"9":1,"9a":1,"1.5":1,"":1,"Z":1,"1.0":1,"1":1,"\\uffff":1,"😀":1}')).toEqual([
      "",
      "1.0",
      1,
      "1.5",
      9,
      10,
      "9a",
      "Z",
      "b",
      "\uffff",
      "😀",
    ])
  })

  it("compares int keys beyond 2^53 exactly and same-overflow integers as strings", () => {
    expect(sortedKeys('{"9007199254740993":1,"9007199254740992":1,"99999999999999999999":1,"100000000000000000000":1}')).toEqual([
      // beyond Number.MAX_SAFE_INTEGER, int keys are held as their decimal string
      "9007199254740992",
      "9007199254740993",
      "100000000000000000000",
      "99999999999999999999",
    ])
  })
})

describe("phpKey", () => {
  it("turns decimal-integer strings within int64 into int keys", () => {
    expect(["0", "12", "-3", "012", "-0", "1.5", " 1", "9223372036854775808"].map(phpKey)).toEqual([
      0,
      12,
      -3,
      "012",
      "-0",
      "1.5",
      " 1",
      "9223372036854775808",
    ])
  })
})
