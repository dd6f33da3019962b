package io.densemesh.operator;

import io.densemesh.cli.support.CommandLines;

/**
 * Entry point of the operator jar ({@code densemesh-operator.jar}, the operator image): the
 * {@link OperatorCommand} alone, so the image carries no serving stack. Bad options exit with
 * status 2 and a one-line message.
 */
public final class OperatorMain {

  private OperatorMain() {}

  public static void main(String[] args) {
    System.exit(CommandLines.execute(new OperatorCommand(), args));
  }
}
