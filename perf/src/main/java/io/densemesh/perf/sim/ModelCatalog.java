package io.densemesh.perf.sim;

import io.densemesh.placement.ModelDemand;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a trace refers to, by dense index: size, load time, tenant, copy bounds. Arrays rather
 * than objects so the replay loop touches little memory; {@link #demand} gives the placement view.
 */
public final class ModelCatalog {

  private final String[] ids;
  private final long[] sizeBytes;
  private final long[] loadMillis;
  private final int[] tenant;
  private final List<String> tenantNames;
  private final ModelDemand[] demands;
  private final int bigModel;
  private final int[] idRank;
  private final Map<String, Integer> indexById = new HashMap<>();

  /**
   * @param bigModel index of the model whose first load the report details (the "big model"
   *     scenario), or -1
   */
  public ModelCatalog(
      String[] ids,
      long[] sizeBytes,
      long[] loadMillis,
      int[] tenant,
      List<String> tenantNames,
      int maxCopies,
      int bigModel) {
    this.ids = ids.clone();
    this.sizeBytes = sizeBytes.clone();
    this.loadMillis = loadMillis.clone();
    this.tenant = tenant.clone();
    this.tenantNames = List.copyOf(tenantNames);
    this.bigModel = bigModel;
    this.demands = new ModelDemand[ids.length];
    Integer[] byId = new Integer[ids.length];
    for (int m = 0; m < ids.length; m++) {
      byId[m] = m;
    }
    java.util.Arrays.sort(byId, (a, b) -> ids[a].compareTo(ids[b]));
    this.idRank = new int[ids.length];
    for (int r = 0; r < byId.length; r++) {
      idRank[byId[r]] = r;
    }
    for (int m = 0; m < ids.length; m++) {
      indexById.put(ids[m], m);
      demands[m] =
          new ModelDemand(
              ids[m], tenantNames.get(tenant[m]), sizeBytes[m], false, 0, loadMillis[m], 0,
              maxCopies, false, Map.of());
    }
  }

  public int size() {
    return ids.length;
  }

  public String id(int model) {
    return ids[model];
  }

  /**
   * Position of the model's id in string order: the tie-break the placement policies use, so the
   * simulator's eviction index breaks ties exactly as {@code victims()} does.
   */
  public int idRank(int model) {
    return idRank[model];
  }

  public int indexOf(String id) {
    Integer index = indexById.get(id);
    if (index == null) {
      throw new IllegalArgumentException("unknown model " + id);
    }
    return index;
  }

  public long sizeBytes(int model) {
    return sizeBytes[model];
  }

  public long loadMillis(int model) {
    return loadMillis[model];
  }

  public int tenant(int model) {
    return tenant[model];
  }

  public int tenantCount() {
    return tenantNames.size();
  }

  public String tenantName(int tenantIndex) {
    return tenantNames.get(tenantIndex);
  }

  public ModelDemand demand(int model) {
    return demands[model];
  }

  public int bigModel() {
    return bigModel;
  }

  public long totalBytes() {
    long total = 0;
    for (long s : sizeBytes) {
      total += s;
    }
    return total;
  }
}
