package dev.starling.node.learning;

/** Accuracy (fraction correct) and mean cross-entropy loss of a model on some samples. */
public record Evaluation(double accuracy, double loss, int samples) {}
