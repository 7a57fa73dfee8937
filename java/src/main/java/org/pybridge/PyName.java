package org.pybridge;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name Python code may pass this parameter by, as a keyword argument:
 * {@code obj.scale(factor=2.0)} calls
 * {@code double scale(@PyName("factor") double f)}.
 *
 * <p>Java from Python binds keyword arguments to parameter names where they
 * are known: this annotation first, then the names {@code javac -parameters}
 * keeps in the class file, then a record's component names for its
 * canonical constructor. A method whose names are not known takes its
 * arguments by position only (a keyword argument is a {@code TypeError}
 * saying so). See docs/guide/java-from-python.md.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface PyName {
    /**
     * The parameter's name in Python.
     *
     * @return the name keyword arguments use for this parameter
     */
    String value();
}
