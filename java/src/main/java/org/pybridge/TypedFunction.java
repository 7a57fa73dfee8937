package org.pybridge;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A function object with declared parameter types ({@link Python#function}):
 * Python's arguments are converted to them, and a mismatch is a Python
 * {@code TypeError}, not a {@code ClassCastException} inside the lambda.
 */
final class TypedFunction<A, R> implements Function<A, R> {
    private final Class<A> argType;
    private final Class<R> resultType;
    private final Function<A, R> fn;

    TypedFunction(Class<A> argType, Class<R> resultType, Function<A, R> fn) {
        this.argType = Objects.requireNonNull(argType, "argType");
        this.resultType = Objects.requireNonNull(resultType, "resultType");
        this.fn = Objects.requireNonNull(fn, "fn");
    }

    @Override
    @SuppressWarnings("unchecked")
    public R apply(A a) {
        return checked(resultType, fn.apply((A) JavaOverloads.coerce(a, argType, "this function's argument")));
    }

    static <R> R checked(Class<R> type, R r) {
        if (r != null && !ResultTypes.box(type).isInstance(r)) {
            throw new JavaBridge.PyError(
                    "TypeError",
                    "the function returned a " + r.getClass().getName() + ", not the declared " + type.getName());
        }
        return r;
    }

    @Override
    public String toString() {
        return "Function<" + argType.getName() + ", " + resultType.getName() + ">";
    }

    static final class Bi<A, B, R> implements BiFunction<A, B, R> {
        private final Class<A> first;
        private final Class<B> second;
        private final Class<R> resultType;
        private final BiFunction<A, B, R> fn;

        Bi(Class<A> first, Class<B> second, Class<R> resultType, BiFunction<A, B, R> fn) {
            this.first = Objects.requireNonNull(first, "firstType");
            this.second = Objects.requireNonNull(second, "secondType");
            this.resultType = Objects.requireNonNull(resultType, "resultType");
            this.fn = Objects.requireNonNull(fn, "fn");
        }

        @Override
        @SuppressWarnings("unchecked")
        public R apply(A a, B b) {
            return checked(
                    resultType, fn.apply((A) JavaOverloads.coerce(a, first, "this function's first argument"), (B)
                            JavaOverloads.coerce(b, second, "this function's second argument")));
        }
    }
}
