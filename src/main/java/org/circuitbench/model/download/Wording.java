package org.circuitbench.model.download;

/**
 * What a download's messages tell the user to do, in the words of its caller. Each message is
 * one line: what went wrong, what is kept, then these.
 *
 * @param resume      how to resume, as a clause: "run the download again to resume"
 * @param elsewhere   where else to get it, as a clause after "or": "set HF_ENDPOINT to a mirror"
 * @param unreachable what to do when the server cannot be reached or does not answer (the whole advice)
 * @param tail        appended to every other message ("" or " The CPU keeps working.")
 */
public record Wording(String resume, String elsewhere, String unreachable, String tail) {
}
