"""Python code that misuses Java: JavaStubsTest checks that mypy, with the
generated stubs, reports exactly the errors marked `# error: <code>` (each on
its line), and nothing else."""

from java.lang import Math
from java.util import ArrayList, HashMap
from org.pybridge.stubfixture import Box

names: ArrayList[str] = ArrayList()
names.add(42)  # error: call-overload
names.sizee()  # error: attr-defined
count: str = names.size()  # error: assignment

ages: HashMap[str, int] = HashMap()
ages.put("ann", "old")  # error: arg-type

Math.abs("minus three")  # error: call-overload

box: Box[str] = Box("one")
box.put(3)  # error: arg-type
box.lambda_("two")  # error: arg-type
box.first = 1  # error: assignment
Box.pair("only one")  # error: call-arg
lengths: Box[str] = box.map(len)  # error: arg-type
box.resize(2, depth=3)  # error: call-arg
box.describe(x=1)  # error: call-overload
