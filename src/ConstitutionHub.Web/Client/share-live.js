// Reserved for the public share page's live view (SignalR client without a Blazor circuit).
import * as signalR from "@microsoft/signalr";
export { signalR };
