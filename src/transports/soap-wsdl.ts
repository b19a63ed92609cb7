// The registry's service description: CDC's IIS SOAP web service (urn:cdc:iisb:2011, "IISServiceNew", SOAP 1.2
// document/literal) as published in CDC's Transport Layer Protocol recommendation, with soap12:address pointing
// at this server. Written out here (rather than read from the reference copy) so a deployed registry serves it;
// soap.test.ts checks it against CDC's file operation by operation.

export const IIS_NAMESPACE = 'urn:cdc:iisb:2011';

const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

const faultType = (name: string, reason?: string) => `
            <xsd:complexType name="${name}">
                <xsd:sequence>
                    <xsd:element name="Code" type="xsd:integer" minOccurs="1"/>
                    <xsd:element name="Reason" ${reason ? `fixed="${reason}"` : 'type="xsd:string" minOccurs="1"'}/>
                    <xsd:element name="Detail" type="xsd:string" minOccurs="1"/>
                </xsd:sequence>
            </xsd:complexType>`;

const stringSeq = (name: string, elements: [string, number][]) => `
            <xsd:complexType name="${name}">
                <xsd:sequence>${elements.map(([e, min]) => `
                    <xsd:element name="${e}" type="xsd:string" minOccurs="${min}" maxOccurs="1" nillable="true"/>`).join('')}
                </xsd:sequence>
            </xsd:complexType>`;

const message = (name: string, part: string, element: string, doc?: string) => `
    <message name="${name}">${doc ? `
        <documentation>${doc}</documentation>` : ''}
        <part name="${part}" element="tns:${element}"/>
    </message>`;

const bindingOp = (op: string, faults: string[]) => `
        <operation name="${op}">
            <soap12:operation soapAction="urn:cdc:iisb:2011:${op}"/>
            <input>
                <soap12:body use="literal"/>
            </input>
            <output>
                <soap12:body use="literal"/>
            </output>${faults.map((f) => `
            <fault name="${f}">
                <soap12:fault use="literal" name="${f}"/>
            </fault>`).join('')}
        </operation>`;

/** The WSDL with the service address set to `location` (e.g. http://host:port/soap). */
export function iisWsdl(location: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" xmlns:wsp="http://www.w3.org/ns/ws-policy" xmlns:wsp1_2="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:wsam="http://www.w3.org/2007/05/addressing/metadata" xmlns:wsaw="http://www.w3.org/2005/08/addressing" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:tns="urn:cdc:iisb:2011" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:cdc:iisb:2011" name="IISServiceNew">
    <types>
        <xsd:schema elementFormDefault="qualified" targetNamespace="urn:cdc:iisb:2011">${stringSeq('connectivityTestRequestType', [['echoBack', 1]])}${stringSeq('connectivityTestResponseType', [['return', 1]])}${stringSeq('submitSingleMessageRequestType', [['username', 0], ['password', 0], ['facilityID', 0], ['hl7Message', 1]])}${stringSeq('submitSingleMessageResponseType', [['return', 1]])}
            <xsd:complexType name="soapFaultType">
                <xsd:sequence>
                    <xsd:element name="Code" type="xsd:integer" minOccurs="1"/>
                    <xsd:element name="Reason" type="xsd:string" minOccurs="1"/>
                    <xsd:element name="Detail" type="xsd:string" minOccurs="1"/>
                </xsd:sequence>
            </xsd:complexType>${faultType('UnsupportedOperationFaultType', 'UnsupportedOperation')}${faultType('SecurityFaultType', 'Security')}${faultType('MessageTooLargeFaultType', 'MessageTooLarge')}
            <xsd:element name="connectivityTest" type="tns:connectivityTestRequestType"/>
            <xsd:element name="connectivityTestResponse" type="tns:connectivityTestResponseType"/>
            <xsd:element name="submitSingleMessage" type="tns:submitSingleMessageRequestType"/>
            <xsd:element name="submitSingleMessageResponse" type="tns:submitSingleMessageResponseType"/>
            <xsd:element name="fault" type="tns:soapFaultType"/>
            <xsd:element name="UnsupportedOperationFault" type="tns:UnsupportedOperationFaultType"/>
            <xsd:element name="SecurityFault" type="tns:SecurityFaultType"/>
            <xsd:element name="MessageTooLargeFault" type="tns:MessageTooLargeFaultType"/>
        </xsd:schema>
    </types>${message('connectivityTest_Message', 'parameters', 'connectivityTest', 'connectivity test request')}${message('connectivityTestResponse_Message', 'parameters', 'connectivityTestResponse', 'connectivity test response')}${message('submitSingleMessage_Message', 'parameters', 'submitSingleMessage', 'submit single message request.')}${message('submitSingleMessageResponse_Message', 'parameters', 'submitSingleMessageResponse', 'submit single message response')}${message('UnknownFault_Message', 'fault', 'fault')}${message('UnsupportedOperationFault_Message', 'fault', 'UnsupportedOperationFault')}${message('SecurityFault_Message', 'fault', 'SecurityFault')}${message('MessageTooLargeFault_Message', 'fault', 'MessageTooLargeFault')}
    <portType name="IIS_PortType">
        <operation name="connectivityTest">
            <documentation>the connectivity test</documentation>
            <input message="tns:connectivityTest_Message" wsaw:Action="urn:cdc:iisb:2011:connectivityTest"/>
            <output message="tns:connectivityTestResponse_Message" wsaw:Action="urn:cdc:iisb:2011:connectivityTestResponse"/>
            <fault name="UnknownFault" message="tns:UnknownFault_Message"/>
            <fault name="UnsupportedOperationFault" message="tns:UnsupportedOperationFault_Message"/>
        </operation>
        <operation name="submitSingleMessage">
            <documentation>submit single message</documentation>
            <input message="tns:submitSingleMessage_Message" wsaw:Action="urn:cdc:iisb:2011:submitSingleMessage"/>
            <output message="tns:submitSingleMessageResponse_Message" wsaw:Action="urn:cdc:iisb:2011:submitSingleMessageResponse"/>
            <fault name="UnknownFault" message="tns:UnknownFault_Message"/>
            <fault name="SecurityFault" message="tns:SecurityFault_Message"/>
            <fault name="MessageTooLargeFault" message="tns:MessageTooLargeFault_Message"/>
        </operation>
    </portType>
    <binding name="client_Binding_Soap12" type="tns:IIS_PortType">
        <soap12:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOp('connectivityTest', ['UnknownFault', 'UnsupportedOperationFault'])}${bindingOp('submitSingleMessage', ['UnknownFault', 'SecurityFault', 'MessageTooLargeFault'])}
    </binding>
    <service name="client_Service">
        <port binding="tns:client_Binding_Soap12" name="client_Port_Soap12">
            <soap12:address location="${escAttr(location)}"/>
        </port>
    </service>
</definitions>
`;
}
