package io.densemesh.runtime.text;

/**
 * A tokenized batch, row-major {@code [rows, length]}, padded to one length.
 *
 * @param rows strings in the batch
 * @param length tokens per row after padding/truncation
 * @param ids token ids
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param typeIds segment ids
 */
record TokenBatch(int rows, int length, long[] ids, long[] attentionMask, long[] typeIds) {

  long id(int row, int position) {
    return ids[row * length + position];
  }

  long mask(int row, int position) {
    return attentionMask[row * length + position];
  }
}
