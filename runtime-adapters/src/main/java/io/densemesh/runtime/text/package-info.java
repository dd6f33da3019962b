/**
 * The {@code text} runtime: a directory with {@code model.onnx}, a HuggingFace
 * {@code tokenizer.json} (tokenized natively by DJL's tokenizers binding) and an optional
 * {@code config.json} with labels. Clients send UTF-8 strings as a BYTES tensor; the runtime
 * tokenizes the batch, runs the ONNX model through the embedded ONNX runtime and answers logits,
 * probabilities, labels or pooled embeddings.
 */
package io.densemesh.runtime.text;
