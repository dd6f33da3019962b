package io.densemesh.operator.deploy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the subset of Helm's template language the densemesh chart uses, so the build can
 * check what the chart produces without the helm binary: {@code {{ .Values.a.b }}},
 * {@code {{ .Release.Namespace }}}, {@code {{ .Release.Name }}}, and {@code if}/{@code else}/
 * {@code end} on lines of their own. Anything else is an error, so the chart cannot silently
 * outgrow this check.
 */
final class HelmTemplate {

  private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}");
  private static final Pattern CONTROL =
      Pattern.compile("\\s*\\{\\{-?\\s*(if\\s+(\\S+)|else|end)\\s*-?}}\\s*");

  private HelmTemplate() {}

  static String render(String template, Map<String, Object> values, String releaseName,
      String namespace) {
    StringBuilder out = new StringBuilder();
    Deque<Boolean> emitting = new ArrayDeque<>();
    Deque<Boolean> conditions = new ArrayDeque<>();
    for (String line : template.split("\n", -1)) {
      Matcher control = CONTROL.matcher(line);
      if (control.matches()) {
        String what = control.group(1);
        boolean outer = emitting.isEmpty() || emitting.peek();
        if (what.startsWith("if")) {
          boolean c = truthy(lookup(control.group(2), values, releaseName, namespace));
          conditions.push(c);
          emitting.push(outer && c);
        } else if (what.equals("else")) {
          emitting.pop();
          boolean parent = emitting.isEmpty() || emitting.peek();
          emitting.push(parent && !conditions.peek());
        } else {
          emitting.pop();
          conditions.pop();
        }
        continue;
      }
      if (!emitting.isEmpty() && !emitting.peek()) {
        continue;
      }
      Matcher m = ACTION.matcher(line);
      StringBuilder rendered = new StringBuilder();
      while (m.find()) {
        Object value = lookup(m.group(1), values, releaseName, namespace);
        m.appendReplacement(rendered, Matcher.quoteReplacement(String.valueOf(value)));
      }
      m.appendTail(rendered);
      out.append(rendered).append('\n');
    }
    if (!emitting.isEmpty()) {
      throw new IllegalArgumentException("unterminated if");
    }
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static Object lookup(String expr, Map<String, Object> values, String releaseName,
      String namespace) {
    switch (expr) {
      case ".Release.Namespace" -> {
        return namespace;
      }
      case ".Release.Name" -> {
        return releaseName;
      }
      default -> {
        if (!expr.startsWith(".Values.")) {
          throw new IllegalArgumentException("template action not supported here: " + expr);
        }
        Object current = values;
        for (String part : expr.substring(".Values.".length()).split("\\.")) {
          if (!(current instanceof Map<?, ?> map) || !map.containsKey(part)) {
            throw new IllegalArgumentException("no value " + expr + " in values.yaml");
          }
          current = ((Map<String, Object>) map).get(part);
        }
        return current;
      }
    }
  }

  private static boolean truthy(Object v) {
    return v != null && !Boolean.FALSE.equals(v) && !"".equals(v);
  }
}
