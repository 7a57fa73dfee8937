package demo;

/** A type of the fixture's package named like a JDK type: java.nio.file.Path stays qualified in Sample. */
public class Path {}
