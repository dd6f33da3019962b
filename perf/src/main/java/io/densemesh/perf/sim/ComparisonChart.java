package io.densemesh.perf.sim;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * Draws a grouped bar chart (Java2D, headless) of each policy's metrics as ratios to the LRU
 * baseline of the same run: one group per metric, one bar per policy, a line at 1.0.
 */
public final class ComparisonChart {

  private static final Color[] COLORS = {
    new Color(0x7f7f7f), new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
    new Color(0x9467bd), new Color(0xd62728), new Color(0x8c564b), new Color(0xe377c2),
    new Color(0x17becf), new Color(0xbcbd22), new Color(0x393b79), new Color(0xad494a)
  };
  private static final String[] METRICS = {"hit ratio", "loads", "total load wait", "p99 wait", "herd factor"};
  private static final List<ToDoubleFunction<SimReport>> VALUES = List.of(
      SimReport::hitRatio, r -> r.loads(), r -> r.totalWaitMillis(), r -> r.p99WaitMillis(),
      SimReport::herdFactor);

  private ComparisonChart() {}

  public static BufferedImage draw(String title, List<SimReport> reports) {
    System.setProperty("java.awt.headless", "true");
    SimReport base = ReportTable.baseline(reports);
    int width = 1000;
    int height = 520;
    int left = 70;
    int right = 20;
    int top = 60;
    int bottom = 90;
    double[][] ratios = new double[METRICS.length][reports.size()];
    double max = 1.2;
    for (int m = 0; m < METRICS.length; m++) {
      for (int p = 0; p < reports.size(); p++) {
        double r = ReportTable.ratio(VALUES.get(m).applyAsDouble(reports.get(p)),
            VALUES.get(m).applyAsDouble(base));
        ratios[m][p] = Double.isFinite(r) ? r : 0;
        max = Math.max(max, ratios[m][p]);
      }
    }
    max = Math.ceil(max * 5) / 5;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title, left, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int plotH = height - top - bottom;
    int plotW = width - left - right;
    for (int i = 0; i <= 5; i++) {
      double v = max * i / 5;
      int y = top + plotH - (int) (plotH * v / max);
      g.setColor(new Color(0xe0e0e0));
      g.drawLine(left, y, left + plotW, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.2f", v), 25, y + 4);
    }
    int groupW = plotW / METRICS.length;
    int barW = Math.max(4, (groupW - 30) / Math.max(1, reports.size()));
    for (int m = 0; m < METRICS.length; m++) {
      int x0 = left + m * groupW + 15;
      for (int p = 0; p < reports.size(); p++) {
        int h = (int) (plotH * ratios[m][p] / max);
        g.setColor(COLORS[p % COLORS.length]);
        g.fillRect(x0 + p * barW, top + plotH - h, barW - 2, h);
      }
      g.setColor(Color.BLACK);
      g.drawString(METRICS[m], x0, top + plotH + 18);
    }
    int oneY = top + plotH - (int) (plotH / max);
    g.setColor(Color.RED);
    g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
    g.drawLine(left, oneY, left + plotW, oneY);
    g.setStroke(new BasicStroke());
    g.drawString("= " + base.policy(), left + plotW - 60, oneY - 4);
    int lx = left;
    int ly = height - 52;
    for (int p = 0; p < reports.size(); p++) {
      int w = 30 + g.getFontMetrics().stringWidth(reports.get(p).policy());
      if (lx + w > width - right && lx > left) { // wrap the legend onto a second row
        lx = left;
        ly += 22;
      }
      g.setColor(COLORS[p % COLORS.length]);
      g.fillRect(lx, ly, 14, 14);
      g.setColor(Color.BLACK);
      g.drawString(reports.get(p).policy(), lx + 18, ly + 12);
      lx += w;
    }
    g.drawString("ratio to " + base.policy() + " (lower is better except hit ratio)", left, 48);
    g.dispose();
    return image;
  }

  public static void write(Path path, String title, List<SimReport> reports) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    ImageIO.write(draw(title, reports), "png", path.toFile());
  }
}
