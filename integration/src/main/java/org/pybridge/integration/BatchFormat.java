package org.pybridge.integration;

/** How a batch function receives a batch in Python (and may return its result). */
public enum BatchFormat {
    /** {@code fn(batch: pyarrow.RecordBatch)}: the Java buffers themselves, no copy. */
    ARROW("arrow"),
    /**
     * {@code fn(df: pandas.DataFrame)}: {@code RecordBatch.to_pandas(split_blocks=True)},
     * whose primitive columns without nulls are views of the Arrow buffers.
     */
    PANDAS("pandas"),
    /**
     * {@code fn(col0, col1, ...)}: one numpy array per column, views of the
     * Arrow buffers for primitive columns without nulls.
     */
    NUMPY("numpy");

    private final String pythonName;

    BatchFormat(String pythonName) {
        this.pythonName = pythonName;
    }

    /** The name the Python helper knows it by. */
    public String pythonName() {
        return pythonName;
    }
}
