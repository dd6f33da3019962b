package io.densemesh.registry;

import io.densemesh.api.registry.ModelRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/** One page of an in-memory, id-ordered model map, as {@link Registry#models(String, int)} pages. */
final class ModelPages {

  private ModelPages() {}

  /** Up to {@code limit} records with ids after {@code after} ("" or null: from the start). */
  static List<ModelRecord> after(NavigableMap<String, Versioned<ModelRecord>> models,
      String after, int limit) {
    List<ModelRecord> page = new ArrayList<>(Math.min(Math.max(limit, 0), models.size()));
    for (Versioned<ModelRecord> v : (after == null || after.isEmpty() ? models
        : models.tailMap(after, false)).values()) {
      if (page.size() >= limit) {
        break;
      }
      page.add(v.value());
    }
    return page;
  }
}
