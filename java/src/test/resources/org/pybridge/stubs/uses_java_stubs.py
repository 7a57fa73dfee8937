"""Python code that uses Java through pybridge correctly: JavaStubsTest checks
that mypy finds no error in it with the generated stubs, and runs it in
pybridge (what type-checks also works)."""

from java.lang import Math, StringBuilder, System
from java.util import ArrayList, HashMap, List
from org.pybridge.stubfixture import Box

names: ArrayList[str] = ArrayList()
names.add("b")
names.add(0, "a")
names.append("c")
first: str = names.get(0)
size: int = names.size()
assert size == 3 and first == "a" and names[2] == "c"
assert [n.upper() for n in names] == ["A", "B", "C"]
assert names.contains("b") and "b" in names and len(names) == 3

ages: HashMap[str, int] = HashMap()
ages.put("ann", 31)
ages["bob"] = 42
age: int = ages["ann"]
maybe = ages.get("zoe", -1)
assert age == 31 and maybe == -1 and sorted(ages) == ["ann", "bob"]

text: str = StringBuilder().append("x").append(1).append(2.5).toString()
assert text == "x12.5"
assert Math.abs(-3) == 3 and Math.max(2, 7) == 7
home: str = System.getProperty("java.version")
assert home
two: List[int] = List.of(1, 2)
assert list(two) == [1, 2]

box: Box[str] = Box("one")
box.put("two").put("three")
count: int = box.size()
el: str = box.get(1)
assert count == 3 and el == "two"
assert box.describe(1) == "int" and box.describe(1.5) == "double" and box.describe("s") == "String"
lengths: Box[int] = box.map(len)
assert lengths.get(2) == 5
pair: List[str] = Box.pair("p", "q")
assert list(pair) == ["p", "q"]
assert Box.join("-", "a", "b", "c") == "a-b-c"
assert box.lambda_(21) == 42
assert box.resize(2, height=3) == "2 x 3" and box.resize(height=1, width=4) == "4 x 1"
assert Box.from_("z").get(0) == "z"
assert Box.count({"a": 1, "b": 2}) == 2
limit: int = Box.LIMIT
assert limit == 10 and box.first == "one"
entry: Box.Entry[str, int] = Box.Entry("k", 1)
key: str = entry.getKey()
assert key == "k" and entry.value == 1
assert Box.Color.RED.name() == "RED"
assert [s for s in box] == ["one", "two", "three"]
